"""The GPU page (the `show gpu` table with filters) and a series' price history chart."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from html import escape
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from core.config.fx import FxConfig
from monitor.show_gpu import GpuRow, UnknownModel, gpu_rows, match_models
from monitor.web.charts import Line, line_chart
from monitor.web.context import (
    MISSING,
    PageError,
    Table,
    check_params,
    flag_param,
    language_of,
    link,
    number,
    pct,
    state_of,
    tables_response,
    values,
    when,
)
from monitor.web.i18n import translate, value_label
from monitor.web.render import page
from storage.models import GpuOffer
from storage.queries import history

GPU_FILTERS = ("model", "provider", "region", "billing", "currency", "available")
SERIES_PARAMS = ("source", "provider", "instance", "region", "billing", "days")


def filtered_gpu_rows(request: Request, session: Any, fx: FxConfig) -> tuple[list[GpuRow], str]:
    """`show gpu`'s rows for the request's filters (model/provider/billing/currency as `show gpu` takes them,
    region and available-only on top), and the currency they are compared in."""
    currency = (request.query_params.get("currency") or "").strip().upper() or None
    if currency is not None and currency not in fx.known():
        raise PageError(400, f"currency={currency!r}: the [fx] table converts only {', '.join(sorted(fx.known()))}")
    models = values(request, "model")
    if models:
        try:
            models = match_models(models, session.scalars(select(GpuOffer.gpu_model).distinct()))
        except UnknownModel as exc:
            raise PageError(404, f"model: {exc}") from None
    state = state_of(request)
    providers, billings = values(request, "provider") or None, values(request, "billing") or None
    key = ("gpu_rows", tuple(models or ()), tuple(providers or ()), tuple(billings or ()), currency)
    rows = state.kept(key, lambda s: gpu_rows(s, fx, state.now(), models=models or None, providers=providers,
                                               billings=billings, currency=currency))  # fmt: skip
    regions = values(request, "region")
    if regions:
        rows = [r for r in rows if r.offer.region in regions]
    if flag_param(request, "available"):
        rows = [r for r in rows if r.offer.available]
    return rows, currency or fx.base


def series_link(request: Request, offer: Any) -> str:
    return link(request, "/gpu/series", {"source": offer.source, "provider": offer.provider,
                                        "instance": offer.instance_type, "region": offer.region,
                                        "billing": offer.billing})  # fmt: skip


class SeriesLink:
    """A table cell linking to an offer's history, its URL made only when the cell is rendered (a page shows 50
    of maybe thousands of rows)."""

    def __init__(self, request: Request, offer: Any, text: str) -> None:
        self.request, self.offer, self.text = request, offer, text

    def __html__(self) -> str:
        return f'<a href="{escape(series_link(self.request, self.offer))}">{escape(self.text)}</a>'


def gpu_table(request: Request, rows: list[GpuRow], target: str, language: str) -> Table:
    def w(key: str) -> str:
        return translate(key, language)

    headers = [w("model"), w("provider"), w("instance"), w("region"), w("billing"), "GPUs", w("price"),
               w("per_gpu_hour"), f"≈ {target}/GPU-h", w("change_7d"), w("available")]  # fmt: skip
    shown, raw = [], []
    for row in rows:
        offer = row.offer
        model = offer.gpu_model + (f" {offer.gpu_variant}" if offer.gpu_variant else "")
        shown.append([
            SeriesLink(request, offer, model), offer.provider, offer.instance_type, offer.region,
            value_label("billing", offer.billing, language),
            f"{offer.gpu_count:g}", f"{number(row.price)} {row.currency}" if row.price is not None else MISSING,
            f"{number(row.per_gpu, '0.0001')} {row.currency}" if row.per_gpu is not None else MISSING,
            number(row.compared, "0.0001"), pct(row.change_pct), w("yes") if offer.available else w("sold_out"),
        ])  # fmt: skip
        raw.append([model, offer.provider, offer.instance_type, offer.region, offer.billing, offer.gpu_count,
                    row.price, row.per_gpu, row.compared, row.change_pct, offer.available])  # fmt: skip
    return Table("gpu", headers, shown, raw, numeric=frozenset({5, 6, 7, 8, 9}))


def gpu_options(session: Any) -> dict[str, list[str]]:
    """The values each GPU filter offers: every stored model, provider, region and billing."""
    columns = (("model", "gpu_model"), ("provider", "provider"), ("region", "region"), ("billing", "billing"))
    return {name: sorted({v for v in session.scalars(select(getattr(GpuOffer, column)).distinct()) if v})
            for name, column in columns}  # fmt: skip


def gpu_page(request: Request) -> Response:
    check_params(request, GPU_FILTERS)
    language = language_of(request)
    state = state_of(request)
    fx = state.config.fx
    with state.session() as session:
        rows, target = filtered_gpu_rows(request, session, fx)
        options = state.kept("gpu_options", gpu_options)
        table = gpu_table(request, rows, target, language)
    answer, tables = tables_response(request, [table])
    if answer is not None:
        return answer
    filters: list[dict[str, Any]] = [
        {
            "name": name,
            "label": translate(name, language),
            "kind": "select",
            "options": options[name],
            "value": request.query_params.get(name),
            "option_labels": {o: value_label(name, o, language) for o in options[name]} if name == "billing" else {},
        }
        for name in ("model", "provider", "region", "billing")
    ]
    filters.append(
        {
            "name": "currency",
            "label": translate("currency", language),
            "kind": "select",
            "options": sorted(fx.known()),
            "value": request.query_params.get("currency"),
        }
    )
    filters.append({"name": "available", "label": translate("available_only", language), "kind": "check",
                    "value": flag_param(request, "available")})  # fmt: skip
    note = f"{translate('fx_note', language)} {target}" + (f" ({fx.date})" if fx.date else "")
    return page(request, "list.html.j2", heading=translate("gpu", language), tables=tables, filters=filters,
                note=note, sortable=True, download=True, lang_param=request.query_params.get("lang"))  # fmt: skip


def _days(request: Request, default: int = 90) -> int:
    text = request.query_params.get("days", str(default)).strip()
    if not text.isdigit() or not 1 <= int(text) <= 3660:
        raise PageError(400, f"days={text!r}: a number of days from 1 to 3660")
    return int(text)


def gpu_series_page(request: Request) -> Response:
    """One offer's price per GPU-hour over `?days=` (default 90), sold-out spans shaded."""
    check_params(request, SERIES_PARAMS)
    language = language_of(request)
    wanted = {name: request.query_params.get(param, "") for name, param in
              (("source", "source"), ("provider", "provider"), ("instance_type", "instance"), ("region", "region"),
               ("billing", "billing"))}  # fmt: skip
    missing = [name for name, value in wanted.items() if not value]
    if missing:
        raise PageError(400, f"a series needs source, provider, instance, region and billing (missing: {missing[0]})")
    state = state_of(request)
    now = state.now()
    days = _days(request)
    with state.session() as session:
        rows = history(session, "gpu", wanted, now - timedelta(days=days), now)
    if not rows:
        raise PageError(404, "no stored GPU offer is that series: " + ", ".join(f"{k}={v}" for k, v in wanted.items()))
    points, shaded = [], []
    for row, after in zip(rows, [*rows[1:], None], strict=True):
        # a state is in force from its observation until the next one's (the newest: until last seen)
        start = max(row.observed_at, now - timedelta(days=days))
        end = after.observed_at if after is not None else row.last_seen_at
        if row.price_per_gpu_hour is not None:
            points += [(start, float(row.price_per_gpu_hour)), (end, float(row.price_per_gpu_hour))]
        if not row.available:
            shaded.append((start, end if end > start else start + timedelta(hours=12)))
    label = f"{rows[-1].gpu_model} · {wanted['provider']} · {wanted['instance_type']}"
    chart = line_chart([Line(label, points)], unit=f"{rows[-1].currency}/GPU-h", shaded=shaded,
                       shaded_label=translate("sold_out", language))  # fmt: skip
    headers = [
        translate("at", language),
        translate("last_seen", language),
        translate("price", language),
        translate("per_gpu_hour", language),
        translate("currency", language),
        translate("available", language),
    ]
    shown = [
        [
            when(r.observed_at),
            when(r.last_seen_at),
            number(r.price),
            number(r.price_per_gpu_hour, "0.0001"),
            r.currency,
            translate("yes" if r.available else "sold_out", language),
        ]
        for r in reversed(rows)
    ]
    raw = [[r.observed_at, r.last_seen_at, r.price, r.price_per_gpu_hour, r.currency, r.available]
           for r in reversed(rows)]  # fmt: skip
    answer, tables = tables_response(request, [Table("gpu_series", headers, shown, raw, frozenset({2, 3}))])
    if answer is not None:
        return answer
    zoom = [(f"{d}d", link(request, "/gpu/series", {"days": d, "page": None}, keep=True)) for d in (7, 30, 90, 365)]
    return page(request, "list.html.j2", heading=f"{translate('history', language)}: {label}", tables=tables,
                chart=chart, chart_caption=translate("sold_out_spans", language), sortable=False, download=True,
                zoom=zoom, days=days)  # fmt: skip


def cheapest_by_region(rows: list[GpuRow]) -> dict[str, dict[str, GpuRow]]:
    """model -> {"china": row, "outside": row}: the first (cheapest compared) row of each model on each side;
    an offer priced in CNY is China's (the Chinese clouds and marketplaces list in yuan)."""
    out: dict[str, dict[str, GpuRow]] = {}
    for row in rows:  # gpu_rows are cheapest first in the comparison currency
        if row.compared is None:
            continue
        side = "china" if row.offer.currency == "CNY" else "outside"
        out.setdefault(row.offer.gpu_model, {}).setdefault(side, row)
    return dict(sorted(out.items()))


def biggest_moves(rows: list[GpuRow], top: int = 5) -> list[GpuRow]:
    """The rows whose price per GPU-hour moved most against 7 days ago (either way)."""
    moved = [r for r in rows if r.change_pct is not None and r.change_pct != 0]
    return sorted(moved, key=lambda r: abs(r.change_pct or Decimal(0)), reverse=True)[:top]

"""New rules: a funding round matching the filter, or a GPU offer (or model) a provider never listed before."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from alerts.scope import Scope
from alerts.series import Finding, Observation, text, unit_of
from core.config.alert_rules import NewRule
from storage.models import FundingRound, GpuOffer
from storage.writes import company_key


def find(rule: NewRule, obs: Observation, scope: Scope, context: dict[str, Any]) -> Finding | None:
    """An event per new thing; a rule watches funding rounds or GPU offers (its `item`)."""
    return _funding(rule, obs, scope, context) if obs.kind == "funding" else _gpu(rule, obs, scope, context)


def _funding(rule: NewRule, obs: Observation, scope: Scope, context: dict[str, Any]) -> Finding:
    row: FundingRound = obs.row
    usd = scope.usd(row)
    context.update(
        company=row.company, round=row.round, status=row.status, amount_text=row.amount_text,
        amount_usd=text(usd.quantize(Decimal(1))) if usd is not None else None, currency=row.currency,
        lead_investors=list(row.lead_investors), investors=list(row.investors), headline=row.headline,
        published_at=row.published_at, sector=row.sector,
        mentions=[{"source": m.source, "url": m.url} for m in sorted(row.mentions, key=lambda m: m.observed_at)],
    )  # fmt: skip
    wanted = (
        (rule.ai_related is None or row.ai_related is rule.ai_related)
        and row.published_at >= scope.now - rule.max_age
        and (not rule.companies or row.company_key in {company_key(c) for c in rule.companies})
        and (not rule.rounds or row.round in rule.rounds)
        and (rule.amount_usd_min is None or (usd is not None and usd >= rule.amount_usd_min))
    )
    # One round is one event: the same company may raise a round of the same name again years later.
    return Finding({**obs.series, "round_id": row.id}, wanted, context)


def _gpu(rule: NewRule, obs: Observation, scope: Scope, context: dict[str, Any]) -> Finding | None:
    row: GpuOffer = obs.row
    earlier = GpuOffer.run_id.is_(None) | (GpuOffer.run_id != scope.run_id)
    context.update(what=rule.what or "offer", gpu_model=row.gpu_model, price=text(row.price_per_gpu_hour),
                   unit=unit_of("gpu", row, "price_per_gpu_hour"))  # fmt: skip
    if rule.what == "model":
        series = {"provider": row.provider, "gpu_model": row.gpu_model}
        known = select(GpuOffer.id).where(GpuOffer.provider == row.provider, earlier)
        seen = select(GpuOffer.id).where(
            GpuOffer.provider == row.provider, GpuOffer.gpu_model == row.gpu_model, earlier
        )
    else:
        series = obs.series
        known = select(GpuOffer.id).where(GpuOffer.source == row.source, earlier)
        seen = select(GpuOffer.id).where(*(getattr(GpuOffer, k) == v for k, v in obs.series.items()), earlier)
    context["labels"] = {**context["labels"], **series}
    # A source's first run brings every offer at once: that is the baseline, not news.
    if scope.session.scalar(known.limit(1)) is None:
        return Finding(series, None, context)
    return Finding(series, scope.session.scalar(seen.limit(1)) is None, context)

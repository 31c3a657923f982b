"""The report as a short plain-text message for chat targets: the week's headline numbers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from core.zh_text import zh_round
from monitor.report.formatting import DASH, format_money, format_pct
from monitor.report.labels import NO_DATA_CODES, labels_for
from monitor.report.model import GpuLine, GpuSection, NoData, WeeklyReport

__all__ = ["summary_text"]

_TOP_TRAFFIC = 3
_SUMMARY_GPU_FAMILIES = ("H100", "A100")


def _no_data_reason(empty: NoData, words: dict[str, str]) -> str:
    return words[f"nd_{empty.code}"] if empty.code in NO_DATA_CODES else words["nd_unknown"].format(code=empty.code)


def _gpu_summary(gpu: GpuSection, words: dict[str, str]) -> list[str]:
    lines: list[str] = []
    usable = [g for g in gpu.lines if g.per_gpu_hour is not None and not g.sold_out and not g.stale]
    for family in _SUMMARY_GPU_FAMILIES:
        cheapest: dict[str, GpuLine] = {}
        for line in sorted(usable, key=lambda g: (g.per_gpu_hour or 0, g.provider), reverse=True):
            if line.model.upper().startswith(family):
                cheapest[line.currency] = line  # the dearest first: the cheapest is written last
        # Prices stay in their own currency (no FX here): one cheapest per currency, the trend's currency first.
        order = sorted(cheapest, key=lambda c: (c != gpu.trend_currency, c))
        items = [
            words["sum_cheapest_item"].format(
                price=format_money(cheapest[c].per_gpu_hour),
                currency=c,
                provider=cheapest[c].provider,
                change=format_pct(cheapest[c].change_pct),
            )
            for c in order
        ]
        if items:
            lines.append(words["sum_cheapest"].format(family=family, items=words["item_sep"].join(items)))
    moves = [g for g in gpu.lines if g.change_pct is not None and g.change_pct != 0]
    if moves:
        move = max(moves, key=lambda g: (abs(g.change_pct or Decimal(0)), g.model, g.provider))
        change = format_pct(move.change_pct)
        lines.append(words["sum_gpu_move"].format(model=move.model, provider=move.provider, change=change))
    return lines


def _section_summary(
    title_key: str, empty: NoData | None, words: dict[str, str], build: Callable[[], list[str]]
) -> list[str]:
    if empty is not None:
        return [words["sum_no_data"].format(section=words[title_key], reason=_no_data_reason(empty, words))]
    return build()


def summary_text(report: WeeklyReport) -> str:
    """A short plain-text message for chat targets: the week's headline numbers, at most about 15 lines."""
    words = labels_for(report.language)
    sep = words["list_sep"]
    week = report.week
    title = words["sum_title"].format(monday=week.monday.isoformat(), sunday=week.sunday.isoformat())
    lines = [title + (words["sum_partial"] if week.partial else "")]
    lines += _section_summary("sec_gpu", report.gpu.empty, words, lambda: _gpu_summary(report.gpu, words))

    def traffic() -> list[str]:
        moved = [t for t in report.traffic.lines if t.visits_change_pct is not None]
        top = sorted(moved, key=lambda t: (-abs(t.visits_change_pct or Decimal(0)), t.app))[:_TOP_TRAFFIC]
        items = sep.join(f"{t.app} {format_pct(t.visits_change_pct)}" for t in top)
        return [words["sum_traffic"].format(items=items)] if items else []

    def funding() -> list[str]:
        rounds = report.funding.lines
        if not rounds:
            return [words["sum_funding_none"]]
        first = rounds[0]
        round_name = zh_round(first.round) if report.language == "zh" else first.round
        text = words["sum_funding"].format(n=len(rounds), company=first.company, amount=first.amount, round=round_name)
        return [text]

    def market() -> list[str]:
        found = []
        items = sep.join(f"{w.name} {format_pct(w.week_pct)}" for w in report.market.indices)
        if items:
            found.append(words["sum_market"].format(items=items))
        rise, fall = report.market.largest_rise, report.market.largest_fall
        if rise is not None or fall is not None:
            found.append(
                words["sum_rise_fall"].format(
                    rise=DASH if rise is None else f"{rise.name} {rise.day:%m-%d} {format_pct(rise.pct)}",
                    fall=DASH if fall is None else f"{fall.name} {fall.day:%m-%d} {format_pct(fall.pct)}",
                )
            )
        return found

    lines += _section_summary("sec_traffic", report.traffic.empty, words, traffic)
    lines += _section_summary("sec_funding", report.funding.empty, words, funding)
    lines += _section_summary("sec_market", report.market.empty, words, market)
    fired = sum(1 for a in report.alerts if a.transition in ("firing", "event"))
    lines.append(words["sum_alerts"].format(n=len(report.alerts), fired=fired))
    problems = report.health.problems
    if problems:
        by_state: dict[str, list[str]] = {}
        for source in problems:
            by_state.setdefault(source.state, []).append(source.source)
        items = words["item_sep"].join(
            f"{words.get(f'state_{s}', s)} {', '.join(names)}" for s, names in by_state.items()
        )
        lines.append(words["sum_health"].format(items=items))
    else:
        lines.append(words["sum_health_ok"])
    return "\n".join(lines)

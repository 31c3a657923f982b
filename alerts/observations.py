"""The queries rules look at: what a run touched, a series' row at a time, its history, minus quarantined rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.series import Observation, series_key, value_of
from storage.alert_models import QuarantinedObservation
from storage.models import FundingMention, FundingRound
from storage.queries import SERIES

_LOOKBACK_STEPS = 5


def time_of(kind: str, row: Any) -> datetime:
    """When a row's observation holds: its period, quote time, publication or observation time."""
    if kind == "traffic":
        return datetime.combine(row.period_start, time(), tzinfo=UTC)
    if kind == "quotes":
        return row.quote_time  # type: ignore[no-any-return]
    if kind == "funding":
        return row.published_at  # type: ignore[no-any-return]
    return row.observed_at  # type: ignore[no-any-return]


def just_before(kind: str, at: datetime) -> datetime:
    """The latest time strictly before `at` that a series of `kind` can be ordered at."""
    # Traffic is ordered by period_start (a date): the previous period is at most the day before.
    return at - (timedelta(days=1) if kind == "traffic" else timedelta(microseconds=1))


def row_at(session: Session, kind: str, series: Mapping[str, Any], at: datetime) -> Any | None:
    """The series' row in force at `at`: repository.value_at's answer, as one index probe.

    value_at goes through latest(), whose GROUP BY makes SQLite read every index entry of the series up to
    `at` (seen 2026-11 on SQLite 3.40: evaluation time grew with history); ORDER BY … LIMIT 1 reads one.
    """
    model, _, order = SERIES[kind]
    order_col = getattr(model, order)
    bound: Any = at.date() if order == "period_start" else at
    query = select(model).where(*(getattr(model, k) == v for k, v in series.items()), order_col <= bound)
    newest = [order_col.desc(), *([model.revision.desc()] if kind == "traffic" else []), model.id.desc()]  # type: ignore[attr-defined]
    return session.scalars(query.order_by(*newest).limit(1)).first()


def window_rows(session: Session, kind: str, series: Mapping[str, Any], since: datetime, until: datetime) -> list[Any]:
    """repository.history's answer (the row in force at `since`, then the rows up to `until`), index-bounded."""
    model, _, order = SERIES[kind]
    order_col = getattr(model, order)
    low: Any = since.date() if order == "period_start" else since
    high: Any = until.date() if order == "period_start" else until
    query = select(model).where(
        *(getattr(model, k) == v for k, v in series.items()), order_col > low, order_col <= high
    )
    before = row_at(session, kind, series, since)
    return ([before] if before is not None else []) + list(session.scalars(query.order_by(order_col, model.id)))  # type: ignore[attr-defined]


def _series_of(kind: str, row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in SERIES[kind][1]}


def newest_per_series(kind: str, rows: Sequence[Any]) -> list[Observation]:
    """One observation per series: its newest row among `rows` (by time, revision, id)."""
    newest: dict[str, Observation] = {}
    for row in rows:
        obs = Observation(kind, row, _series_of(kind, row), time_of(kind, row))
        key = series_key(obs.series)
        current = newest.get(key)
        rank = (obs.at, getattr(row, "revision", 0), row.id)
        if current is None or rank > (current.at, getattr(current.row, "revision", 0), current.row.id):
            newest[key] = obs
    return list(newest.values())


def new_observations(session: Session, kind: str, run_id: int | None) -> list[Observation]:
    """The newest row of every series run `run_id` wrote (older rows of a backfill are history, not news)."""
    model, _, _ = SERIES[kind]
    if kind == "funding":
        touched = select(FundingMention.round_id).where(FundingMention.run_id == run_id)
        rows: Sequence[Any] = session.scalars(select(FundingRound).where(FundingRound.id.in_(touched))).all()
    else:
        rows = session.scalars(select(model).where(model.run_id == run_id)).all()  # type: ignore[attr-defined]
    return newest_per_series(kind, rows)


class History:
    """A series' earlier rows as one evaluation pass reads them, skipping quarantined rows (cached per pass)."""

    lookback_steps = _LOOKBACK_STEPS

    def __init__(self, session: Session) -> None:
        self.session = session
        #: (kind, row id) -> quarantined, as the database answered row by row
        self._quarantined: dict[tuple[str, int], bool] = {}
        #: kind -> row id -> quarantined, as this pass decided (held back now, or a level confirmed): always wins
        self._decided: dict[str, dict[int, bool]] = {}
        #: kind -> [(low, high, the ids in [low, high] that are quarantined)], read by range (see remember_quarantine)
        self._held_ranges: dict[str, list[tuple[int, int, frozenset[int]]]] = {}
        self._accepted: dict[tuple[str, str, datetime, str], Any] = {}
        #: (kind, series, at) -> (rows before `at`, newest first; True when they are all there are)
        self._earlier: dict[tuple[str, str, datetime], tuple[list[Any], bool]] = {}
        #: (kind, series, at, field, window) -> (row ids, their values) of the window (see window_values)
        self._windows: dict[tuple[str, str, datetime, str, timedelta], tuple[list[int], list[Decimal | None]]] = {}

    def remember_earlier(self, kind: str, obs: Observation, rows: list[Any], *, complete: bool) -> None:
        """Keep the rows read before `obs` (newest first); `complete`: the series has no other earlier row."""
        self._earlier[(kind, series_key(obs.series), obs.at)] = (rows, complete)

    def remember_window(
        self, obs: Observation, name: str, window: timedelta, row_ids: list[int], values: list[Decimal | None]
    ) -> None:
        """Keep the rows window_values(obs, name, window) reads: their ids and values (None: no value), paired."""
        self._windows[(obs.kind, series_key(obs.series), obs.at, name, window)] = (row_ids, values)

    def remember_quarantine(self, kind: str, low: int, high: int, held: Iterable[int]) -> None:
        """Keep what was read of the quarantine: of the rows with ids in [low, high], exactly `held` are quarantined.

        A flag this pass set itself stays (it is newer than what the database said).
        """
        self._held_ranges.setdefault(kind, []).append((low, high, frozenset(held)))

    def _known_flag(self, kind: str, row_id: int) -> bool | None:
        decided = self._decided.get(kind)
        if decided is not None and row_id in decided:
            return decided[row_id]
        for low, high, held in self._held_ranges.get(kind, ()):
            if low <= row_id <= high:
                return row_id in held
        return self._quarantined.get((kind, row_id))

    def is_quarantined(self, kind: str, row_id: int) -> bool:
        """True when the row was held back by the quality gate (now or in an earlier pass)."""
        known = self._known_flag(kind, row_id)
        if known is not None:
            return known
        found = self.session.scalar(
            select(QuarantinedObservation.id).where(
                QuarantinedObservation.kind == kind, QuarantinedObservation.row_id == row_id
            )
        )
        self._quarantined[(kind, row_id)] = found is not None
        return found is not None

    def _held_among(self, kind: str, row_ids: Sequence[int]) -> set[int] | None:
        """The quarantined ids among `row_ids` when a range read covers them all (else None: ask row by row)."""
        if not row_ids:
            return set()
        low, high = min(row_ids), max(row_ids)
        covering = next((held for a, b, held in self._held_ranges.get(kind, ()) if a <= low and high <= b), None)
        if covering is None:
            return None
        out = {row_id for row_id in covering if low <= row_id <= high}
        for row_id, held in self._decided.get(kind, {}).items():
            if held:
                out.add(row_id)
            else:
                out.discard(row_id)
        return out

    def mark_quarantined(self, kind: str, row_id: int) -> None:
        """Remember a row the gate just quarantined (before its row is flushed)."""
        self._decided.setdefault(kind, {})[row_id] = True

    def release(self, kind: str, row_id: int) -> None:
        """Forget a quarantine lifted in this pass (a confirmed level); accepted values are read afresh."""
        self._decided.setdefault(kind, {})[row_id] = False
        self._accepted.clear()

    def load_quarantined(self, kind: str, row_ids: Sequence[int]) -> None:
        """Fill the quarantine cache for many rows in one query (a window of history)."""
        missing = [row_id for row_id in row_ids if self._known_flag(kind, row_id) is None]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            found = set(
                self.session.scalars(
                    select(QuarantinedObservation.row_id).where(
                        QuarantinedObservation.kind == kind, QuarantinedObservation.row_id.in_(chunk)
                    )
                )
            )
            self._quarantined.update({(kind, row_id): row_id in found for row_id in chunk})

    def earlier_rows(self, kind: str, series: Mapping[str, Any], at: datetime) -> Iterator[Any]:
        """Rows of the series before `at`, newest first (a few steps back at most)."""
        cursor = at
        read = self._earlier.get((kind, series_key(series), at))
        for _ in range(_LOOKBACK_STEPS):
            row = self._read_before(read, kind, cursor) if read is not None else None
            if row is None and (read is None or not read[1]):
                row = row_at(self.session, kind, series, just_before(kind, cursor))
            if row is None:
                return
            yield row
            cursor = time_of(kind, row)

    @staticmethod
    def _read_before(read: tuple[list[Any], bool], kind: str, cursor: datetime) -> Any | None:
        """row_at(just_before(cursor)) from the prefetched rows: the newest (highest id) one strictly before."""
        return next((row for row in read[0] if time_of(kind, row) < cursor), None)

    def accepted_before(self, kind: str, series: Mapping[str, Any], at: datetime, name: str) -> Any | None:
        """The newest row before `at` that passed the quality gate and has a value for `name`."""
        key = (kind, series_key(series), at, name)
        if key not in self._accepted:
            found = None
            for row in self.earlier_rows(kind, series, at):
                if not self.is_quarantined(kind, row.id) and getattr(row, name, None) is not None:
                    found = row
                    break
            self._accepted[key] = found
        return self._accepted[key]

    def accepted_at(self, kind: str, series: Mapping[str, Any], at: datetime, name: str) -> Any | None:
        """The row in force at `at` (or the newest accepted one before it) with a value for `name`."""
        row = row_at(self.session, kind, series, at)
        if row is None:
            return None
        if not self.is_quarantined(kind, row.id) and getattr(row, name, None) is not None:
            return row
        return self.accepted_before(kind, series, time_of(kind, row), name)

    def window_values(self, obs: Observation, name: str, window: timedelta) -> list[tuple[Any, Decimal]]:
        """Accepted values of the series in [at − window, at), one per traffic period (its last revision)."""
        read = self._windows.get((obs.kind, series_key(obs.series), obs.at, name, window))
        if read is not None:
            row_ids, values = read
            held = self._held_among(obs.kind, row_ids)
            if held is None:
                held = {row_id for row_id in row_ids if self.is_quarantined(obs.kind, row_id)}
            held.add(obs.row.id)
            return [(row_id, value) for row_id, value in zip(row_ids, values, strict=True)
                    if value is not None and row_id not in held]  # fmt: skip
        rows = window_rows(self.session, obs.kind, obs.series, obs.at - window, just_before(obs.kind, obs.at))
        if obs.kind == "traffic":
            by_period = {row.period_start: row for row in sorted(rows, key=lambda r: (r.period_start, r.revision))}
            rows = [row for start, row in sorted(by_period.items()) if start < obs.row.period_start]
        self.load_quarantined(obs.kind, [row.id for row in rows])
        out = []
        for row in rows:
            value = value_of(row, name)
            if value is not None and row.id != obs.row.id and not self.is_quarantined(obs.kind, row.id):
                out.append((row, value))
        return out

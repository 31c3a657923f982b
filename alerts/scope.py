"""What one evaluation pass knows: session, config, clock, the run it follows, history reads, USD amounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from alerts.observations import History
from alerts.series import value_of
from core.config.alerts import AlertsConfig
from storage.models import CrawlRun


@dataclass
class Scope:
    """One evaluation pass; `run` is None for a tick or a preview, `dry` (a preview) stores nothing."""

    session: Session
    config: AlertsConfig
    now: datetime
    run: CrawlRun | None
    dry: bool = False
    history: History = field(init=False)

    def __post_init__(self) -> None:
        self.history = History(self.session)

    @property
    def run_id(self) -> int | None:
        """The id of the run being evaluated, None outside a run."""
        return self.run.id if self.run is not None else None

    def usd(self, row: Any) -> Decimal | None:
        """A funding round's amount (its lower bound, else its upper) in USD; None without amount or rate."""
        amount = value_of(row, "amount_min")
        amount = amount if amount is not None else value_of(row, "amount_max")
        rate = self.config.fx_to_usd.get(row.currency or "")
        return amount * rate if amount is not None and rate is not None else None

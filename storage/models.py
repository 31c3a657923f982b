"""SQLAlchemy 2 models: one table per item kind, the funding mentions, and crawl_runs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import ExactDecimal, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        Decimal: ExactDecimal(),
        dict[str, Any]: JSON(),
    }


class CrawlRun(Base):
    """One run of one source: who started it, when, how it ended and what it stored."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_source_started", "source", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    items_stored: Mapped[int] = mapped_column(default=0)
    items_unchanged: Mapped[int] = mapped_column(default=0)
    items_dropped: Mapped[int] = mapped_column(default=0)
    requests: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    pid: Mapped[int | None]
    details: Mapped[dict[str, Any] | None]
    #: the slot a scheduled run was queued for (a cluster's (source, slot) is unique in cluster_slots)
    scheduled_for: Mapped[datetime | None]
    #: who ran it: the host and pid of the daemon or worker process (not the crawl child) and its tags
    worker_host: Mapped[str | None] = mapped_column(String(255))
    worker_pid: Mapped[int | None]
    worker_tags: Mapped[str | None] = mapped_column(String(255))


class ClusterWorker(Base):
    """A process that runs crawls (daemon or worker), alive while its heartbeat is recent."""

    __tablename__ = "cluster_workers"
    __table_args__ = (UniqueConstraint("host", "pid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    role: Mapped[str] = mapped_column(String(16))
    tags: Mapped[str] = mapped_column(String(255), default="")
    fingerprint: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime] = mapped_column(index=True)
    heartbeat_every_s: Mapped[float]


class ClusterSlot(Base):
    """One scheduled (source, slot) of a cluster: inserted with its job in one transaction, so queued once."""

    __tablename__ = "cluster_slots"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot_at: Mapped[datetime] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    queue: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(32))
    deferred_at: Mapped[datetime]


class GpuOffer(Base):
    """A GPU offer's state from `observed_at` until `last_seen_at`; a changed value starts a new row."""

    __tablename__ = "gpu_offers"
    __table_args__ = (
        UniqueConstraint("source", "provider", "instance_type", "region", "billing", "observed_at"),
        Index("ix_gpu_offers_series", "source", "provider", "instance_type", "region", "billing", "observed_at"),
        Index("ix_gpu_offers_model", "gpu_model", "observed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(32))
    instance_type: Mapped[str] = mapped_column(String(128))
    region: Mapped[str] = mapped_column(String(64))
    billing: Mapped[str] = mapped_column(String(16))
    gpu_model: Mapped[str] = mapped_column(String(64))
    gpu_variant: Mapped[str | None] = mapped_column(String(16))
    gpu_count: Mapped[Decimal]
    vcpus: Mapped[int | None]
    memory_gb: Mapped[Decimal | None]
    disk: Mapped[str | None] = mapped_column(String(255))
    price: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3))
    price_per_gpu_hour: Mapped[Decimal | None]
    price_min: Mapped[Decimal | None]
    offer_count: Mapped[int | None]
    available: Mapped[bool] = mapped_column(Boolean)
    url: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))


class GpuDay(Base):
    """The report's GPU trend rolled up: in one time zone's day, the cheapest price per GPU-hour in force for a
    (model, provider, currency). Filled by the report for days that are over; a write touching a day drops it."""

    __tablename__ = "gpu_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    gpu_model: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    cheapest: Mapped[float] = mapped_column(Float)


class GpuDayCover(Base):
    """A (day, zone) whose `gpu_days` rows are complete: a day without any priced offer has a cover and no rows."""

    __tablename__ = "gpu_day_covers"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    zone: Mapped[str] = mapped_column(String(64), primary_key=True)


class TrafficSnapshot(Base):
    """One site in one period from one source; a later different release of the period is a new revision."""

    __tablename__ = "traffic_snapshots"
    __table_args__ = (UniqueConstraint("source", "domain", "granularity", "period_start", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    domain: Mapped[str] = mapped_column(String(255), index=True)
    granularity: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    revision: Mapped[int] = mapped_column(default=1)
    visits: Mapped[int | None] = mapped_column(BigInteger)
    avg_visit_duration_s: Mapped[Decimal | None]
    pages_per_visit: Mapped[Decimal | None]
    bounce_rate: Mapped[Decimal | None]
    global_rank: Mapped[int | None]
    url: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))


class FundingRound(Base):
    """One financing event; the outlets that reported it are its mentions."""

    __tablename__ = "funding_rounds"
    __table_args__ = (Index("ix_funding_rounds_dedup", "company_key", "round", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company: Mapped[str] = mapped_column(String(255))
    company_key: Mapped[str] = mapped_column(String(255))
    round: Mapped[str] = mapped_column(String(32))
    round_raw: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    amount_min: Mapped[Decimal | None]
    amount_max: Mapped[Decimal | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_text: Mapped[str | None] = mapped_column(String(255))
    lead_investors: Mapped[list[str]] = mapped_column(JSON, default=list)
    investors: Mapped[list[str]] = mapped_column(JSON, default=list)
    valuation_min: Mapped[Decimal | None]
    valuation_max: Mapped[Decimal | None]
    sector: Mapped[str | None] = mapped_column(String(128))
    ai_related: Mapped[bool | None]
    headline: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime]
    first_seen_at: Mapped[datetime]

    mentions: Mapped[list[FundingMention]] = relationship(back_populates="funding_round")


class FundingMention(Base):
    """One outlet's report of a funding round."""

    __tablename__ = "funding_mentions"
    __table_args__ = (UniqueConstraint("source", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("funding_rounds.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(1024))
    headline: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime]
    observed_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))

    funding_round: Mapped[FundingRound] = relationship(back_populates="mentions")


class Quote(Base):
    """One instrument at one exchange time, as one source reported it."""

    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("source", "symbol", "quote_time"),
        Index("ix_quotes_series", "symbol", "quote_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    price: Mapped[Decimal | None]
    prev_close: Mapped[Decimal | None]
    open: Mapped[Decimal | None]
    high: Mapped[Decimal | None]
    low: Mapped[Decimal | None]
    change: Mapped[Decimal | None]
    change_pct: Mapped[Decimal | None]
    volume: Mapped[int | None] = mapped_column(BigInteger)
    turnover: Mapped[Decimal | None]
    market_cap: Mapped[Decimal | None]
    pe_ttm: Mapped[Decimal | None]
    limit_up: Mapped[Decimal | None]
    limit_down: Mapped[Decimal | None]
    quote_time: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))

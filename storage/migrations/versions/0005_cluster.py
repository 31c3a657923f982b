"""cluster: crawl_runs records its slot and worker; cluster_workers (heartbeats) and cluster_slots (one job a slot)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("scheduled_for", storage.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("worker_host", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("worker_pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("worker_tags", sa.String(length=255), nullable=True))

    op.create_table(
        "cluster_workers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("started_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_every_s", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_workers")),
        sa.UniqueConstraint("host", "pid", name=op.f("uq_cluster_workers_host")),
    )
    with op.batch_alter_table("cluster_workers") as batch:
        batch.create_index(batch.f("ix_cluster_workers_heartbeat_at"), ["heartbeat_at"], unique=False)

    op.create_table(
        "cluster_slots",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("slot_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("queue", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("deferred_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "slot_at", name=op.f("pk_cluster_slots")),
    )


def downgrade() -> None:
    op.drop_table("cluster_slots")
    with op.batch_alter_table("cluster_workers") as batch:
        batch.drop_index(batch.f("ix_cluster_workers_heartbeat_at"))
    op.drop_table("cluster_workers")
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("worker_tags")
        batch.drop_column("worker_pid")
        batch.drop_column("worker_host")
        batch.drop_column("scheduled_for")

"""report delivery: outbox body_format and attachments; gpu_offers last_seen_at index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # server_default fills the rows already queued: they are plain-text alerts.
    with op.batch_alter_table("notification_outbox") as batch:
        batch.add_column(sa.Column("body_format", sa.String(length=8), server_default="text", nullable=False))
        batch.add_column(sa.Column("attachments", sa.JSON(), nullable=True))

    with op.batch_alter_table("gpu_offers") as batch:
        batch.create_index("ix_gpu_offers_last_seen_at", ["last_seen_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gpu_offers") as batch:
        batch.drop_index("ix_gpu_offers_last_seen_at")

    # Batch mode would copy notification_outbox and drop the original; with PRAGMA foreign_keys=ON that DROP
    # cascades into notification_attempts and erases the delivery history. SQLite >= 3.35 drops columns in place.
    with op.batch_alter_table("notification_outbox", recreate=_in_place_or_copy()) as batch:
        batch.drop_column("attachments")
        batch.drop_column("body_format")


def _in_place_or_copy() -> Literal["auto", "never"]:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and (bind.dialect.server_version_info or (0,)) >= (3, 35):
        return "never"
    return "auto"

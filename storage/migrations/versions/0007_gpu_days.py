"""gpu_days and gpu_day_covers: the report's GPU trend rolled up to one row per (model, provider, currency) and day

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty at first: the next report computes the days it shows from gpu_offers and keeps those that are over.
    op.create_table(
        "gpu_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("gpu_model", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cheapest", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "zone", "gpu_model", "provider", "currency", name=op.f("pk_gpu_days")),
    )
    op.create_table(
        "gpu_day_covers",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", "zone", name=op.f("pk_gpu_day_covers")),
    )


def downgrade() -> None:
    op.drop_table("gpu_day_covers")
    op.drop_table("gpu_days")

"""gpu_offers: price_min and offer_count for marketplace summaries (vastai_gpu)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 02:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("gpu_offers") as batch:
        batch.add_column(sa.Column("price_min", storage.types.ExactDecimal(precision=28, scale=10), nullable=True))
        batch.add_column(sa.Column("offer_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gpu_offers") as batch:
        batch.drop_column("offer_count")
        batch.drop_column("price_min")

"""delivery: the outbox table ``delivery_transfer``

Revision ID: 0001_delivery
Revises:
Create Date: 2026-03-10

Times are naive UTC (``ssd_gateway.delivery.timeutil.UTCDateTime``), the same on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001_delivery"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``delivery_transfer`` and its indexes."""
    op.create_table(
        "delivery_transfer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("peer", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("bundle_id", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("consent_id", sa.String(length=200), nullable=True),
        sa.Column("acute", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("ack_code", sa.String(length=20), nullable=True),
        sa.Column("acked_at", sa.DateTime(), nullable=True),
        sa.Column("body_deleted_at", sa.DateTime(), nullable=True),
        sa.Column("budget_from", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_delivery_transfer_consent", "delivery_transfer", ["consent_id"])
    op.create_index("ix_delivery_transfer_created", "delivery_transfer", ["created_at"])
    op.create_index("ix_delivery_transfer_due", "delivery_transfer",
                    ["state", "next_attempt_at"])
    op.create_index("ix_delivery_transfer_peer", "delivery_transfer", ["peer"])


def downgrade() -> None:
    """Drop ``delivery_transfer``."""
    op.drop_table("delivery_transfer")

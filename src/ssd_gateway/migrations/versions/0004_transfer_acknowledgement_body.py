"""The peer's signed acknowledgement is kept with each transfer (the proof of its answer).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 13:10:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('delivery_transfer') as batch:
        batch.add_column(sa.Column('ack_body', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('delivery_transfer') as batch:
        batch.drop_column('ack_body')

"""mandate period length decision

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 13:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mandate_period", schema=None) as batch_op:
        batch_op.add_column(sa.Column("length_decision_body", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("length_decision_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("length_decision_reference", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mandate_period", schema=None) as batch_op:
        batch_op.drop_column("length_decision_reference")
        batch_op.drop_column("length_decision_date")
        batch_op.drop_column("length_decision_body")

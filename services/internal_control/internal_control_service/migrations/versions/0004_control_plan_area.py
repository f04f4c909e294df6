"""control plan details: withdrawn common controls

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "common_control_withdrawal",
        sa.Column("common_control_id", sa.Uuid(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["common_control_id"],
            ["common_control.id"],
            name=op.f("fk_common_control_withdrawal_common_control_id_common_control"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("common_control_id", name=op.f("pk_common_control_withdrawal")),
    )


def downgrade() -> None:
    op.drop_table("common_control_withdrawal")

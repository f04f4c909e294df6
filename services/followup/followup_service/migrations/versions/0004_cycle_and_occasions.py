"""The annual cycle (årshjul) of each year and its follow-up occasions

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cycle_step",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name_sv", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("inflow", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=300), nullable=False),
        sa.Column("responsible_level", sa.String(length=30), nullable=False),
        sa.Column("conditional", sa.Boolean(), nullable=False),
        sa.Column("occasion", sa.String(length=20), nullable=True),
        sa.Column("planned_start", sa.Date(), nullable=False),
        sa.Column("planned_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_step")),
        sa.UniqueConstraint("year", "number", name="uq_cycle_step_year_number"),
    )
    with op.batch_alter_table("cycle_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cycle_step_year"), ["year"], unique=False)

    op.create_table(
        "occasion",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("statutory", sa.Boolean(), nullable=False),
        sa.Column("unit_deadline", sa.Date(), nullable=False),
        sa.Column("administration_deadline", sa.Date(), nullable=False),
        sa.Column("board_deadline", sa.Date(), nullable=False),
        sa.Column("executive_board_deadline", sa.Date(), nullable=False),
        sa.Column("council_deadline", sa.Date(), nullable=False),
        sa.Column("headings", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occasion")),
        sa.UniqueConstraint("year", "kind", name="uq_occasion_year_kind"),
    )
    with op.batch_alter_table("occasion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_occasion_year"), ["year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("occasion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occasion_year"))

    op.drop_table("occasion")
    with op.batch_alter_table("cycle_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_step_year"))

    op.drop_table("cycle_step")

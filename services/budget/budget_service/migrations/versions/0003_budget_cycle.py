"""budget lines, steps and earmarked funds

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def _tracked() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    ]


def _of_budget(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["budget_id"], ["budget.id"], name=op.f(f"fk_{table}_budget_id_budget"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "budget_line",
        *_of_budget("budget_line"),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        *_tracked(),
        sa.UniqueConstraint("budget_id", "kind", "year", name="uq_budget_line_budget_kind_year"),
    )
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_line_budget_id"), ["budget_id"], unique=False)

    op.create_table(
        "earmarked_fund",
        *_of_budget("earmarked_fund"),
        sa.Column("board_org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        *_tracked(),
        sa.UniqueConstraint(
            "budget_id", "board_org_unit_id", "year", "assignment_id", name="uq_earmarked_fund_budget_board_year_assignment"
        ),
    )
    with op.batch_alter_table("earmarked_fund", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_earmarked_fund_assignment_id"), ["assignment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_earmarked_fund_board_org_unit_id"), ["board_org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_earmarked_fund_budget_id"), ["budget_id"], unique=False)

    op.create_table(
        "budget_step",
        *_of_budget("budget_step"),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("due_month", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decision_reference", sa.String(length=100), nullable=True),
        sa.Column("completed_date", sa.Date(), nullable=True),
        *_tracked(),
        sa.UniqueConstraint("budget_id", "kind", name="uq_budget_step_budget_kind"),
    )
    with op.batch_alter_table("budget_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_step_budget_id"), ["budget_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("budget_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_step_budget_id"))

    op.drop_table("budget_step")
    with op.batch_alter_table("earmarked_fund", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_earmarked_fund_budget_id"))
        batch_op.drop_index(batch_op.f("ix_earmarked_fund_board_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_earmarked_fund_assignment_id"))

    op.drop_table("earmarked_fund")
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_line_budget_id"))

    op.drop_table("budget_line")

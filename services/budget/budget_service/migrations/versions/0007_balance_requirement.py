"""balance requirement and restoration

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def _money(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Numeric(precision=18, scale=2), nullable=nullable)


def _tracked() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "balance_statement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        _money("result"),
        _money("realisation_gains"),
        _money("exempt_realisation_items"),
        _money("unrealised_securities_losses"),
        _money("reserve_allocation"),
        _money("reserve_use"),
        _money("exceptional_reasons_amount"),
        sa.Column("exceptional_reasons", sa.Text(), nullable=True),
        _money("tax_and_grants"),
        _money("equity_including_pension_liability"),
        sa.Column("text", sa.Text(), nullable=False),
        _money("earlier_deficits", nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("decision_body", sa.String(length=200), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("decision_reference", sa.String(length=100), nullable=True),
        *_tracked(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_balance_statement")),
        sa.UniqueConstraint("year", name=op.f("uq_balance_statement_year")),
    )
    with op.batch_alter_table("balance_statement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_balance_statement_locked"), ["locked"], unique=False)

    op.create_table(
        "restoration_obligation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("origin_year", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Uuid(), nullable=False),
        _money("amount"),
        _money("restored_amount"),
        sa.Column("deadline_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("met_in_year", sa.Integer(), nullable=True),
        sa.Column("action_plan_reference", sa.String(length=100), nullable=True),
        sa.Column("action_plan_date", sa.Date(), nullable=True),
        sa.Column("waiver_reasons", sa.Text(), nullable=True),
        sa.Column("waiver_body", sa.String(length=200), nullable=True),
        sa.Column("waiver_date", sa.Date(), nullable=True),
        sa.Column("waiver_reference", sa.String(length=100), nullable=True),
        *_tracked(),
        sa.ForeignKeyConstraint(
            ["statement_id"], ["balance_statement.id"], name=op.f("fk_restoration_obligation_statement_id_balance_statement")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restoration_obligation")),
        sa.UniqueConstraint("origin_year", name=op.f("uq_restoration_obligation_origin_year")),
    )
    with op.batch_alter_table("restoration_obligation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_restoration_obligation_statement_id"), ["statement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_restoration_obligation_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("restoration_obligation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_restoration_obligation_status"))
        batch_op.drop_index(batch_op.f("ix_restoration_obligation_statement_id"))

    op.drop_table("restoration_obligation")
    with op.batch_alter_table("balance_statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_balance_statement_locked"))

    op.drop_table("balance_statement")

"""board allocations, reallocations and investments

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


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
        "allocation_set",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("board_org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *_tracked(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_set")),
        sa.UniqueConstraint("board_org_unit_id", "year", name="uq_allocation_set_board_year"),
    )
    with op.batch_alter_table("allocation_set", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocation_set_board_org_unit_id"), ["board_org_unit_id"], unique=False)

    op.create_table(
        "allocation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("allocation_set_id", sa.Uuid(), nullable=False),
        sa.Column("board_org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("activity_area_id", sa.Uuid(), nullable=False),
        sa.Column("cost_center_id", sa.Uuid(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["allocation_set_id"], ["allocation_set.id"], name=op.f("fk_allocation_allocation_set_id_allocation_set"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["activity_area_id"], ["activity_area.id"], name=op.f("fk_allocation_activity_area_id_activity_area")),
        sa.ForeignKeyConstraint(["cost_center_id"], ["cost_center.id"], name=op.f("fk_allocation_cost_center_id_cost_center")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation")),
    )
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocation_allocation_set_id"), ["allocation_set_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_board_org_unit_id"), ["board_org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_activity_area_id"), ["activity_area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_cost_center_id"), ["cost_center_id"], unique=False)

    op.create_table(
        "reallocation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("board_org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("from_activity_area_id", sa.Uuid(), nullable=False),
        sa.Column("to_activity_area_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("decision_body", sa.String(length=200), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("decision_reference", sa.String(length=100), nullable=False),
        sa.Column("reported_at_occasion", sa.String(length=20), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        *_tracked(),
        sa.ForeignKeyConstraint(
            ["from_activity_area_id"], ["activity_area.id"], name=op.f("fk_reallocation_from_activity_area_id_activity_area")
        ),
        sa.ForeignKeyConstraint(
            ["to_activity_area_id"], ["activity_area.id"], name=op.f("fk_reallocation_to_activity_area_id_activity_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reallocation")),
    )
    with op.batch_alter_table("reallocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reallocation_board_org_unit_id"), ["board_org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reallocation_from_activity_area_id"), ["from_activity_area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reallocation_to_activity_area_id"), ["to_activity_area_id"], unique=False)

    op.create_table(
        "investment_project",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("board_org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("external_codes", JSON, nullable=False),
        *_tracked(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investment_project")),
    )
    with op.batch_alter_table("investment_project", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_investment_project_board_org_unit_id"), ["board_org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_investment_project_status"), ["status"], unique=False)

    op.create_table(
        "investment_amount",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["investment_project.id"], name=op.f("fk_investment_amount_project_id_investment_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investment_amount")),
        sa.UniqueConstraint("project_id", "year", name="uq_investment_amount_project_year"),
    )
    with op.batch_alter_table("investment_amount", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_investment_amount_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_investment_amount_year"), ["year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("investment_amount", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investment_amount_year"))
        batch_op.drop_index(batch_op.f("ix_investment_amount_project_id"))

    op.drop_table("investment_amount")
    with op.batch_alter_table("investment_project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investment_project_status"))
        batch_op.drop_index(batch_op.f("ix_investment_project_board_org_unit_id"))

    op.drop_table("investment_project")
    with op.batch_alter_table("reallocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reallocation_to_activity_area_id"))
        batch_op.drop_index(batch_op.f("ix_reallocation_from_activity_area_id"))
        batch_op.drop_index(batch_op.f("ix_reallocation_board_org_unit_id"))

    op.drop_table("reallocation")
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_cost_center_id"))
        batch_op.drop_index(batch_op.f("ix_allocation_activity_area_id"))
        batch_op.drop_index(batch_op.f("ix_allocation_board_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_allocation_allocation_set_id"))

    op.drop_table("allocation")
    with op.batch_alter_table("allocation_set", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_set_board_org_unit_id"))

    op.drop_table("allocation_set")

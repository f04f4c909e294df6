"""planning assumptions and the allocation model

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
        "population_forecast",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("publication_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("age_from", sa.Integer(), nullable=False),
        sa.Column("age_to", sa.Integer(), nullable=True),
        sa.Column("count", sa.Numeric(precision=14, scale=2), nullable=False),
        *_tracked(),
        sa.CheckConstraint("age_to IS NULL OR age_to >= age_from", name=op.f("ck_population_forecast_age_order")),
        sa.CheckConstraint("count >= 0", name=op.f("ck_population_forecast_count_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population_forecast")),
    )
    with op.batch_alter_table("population_forecast", schema=None) as batch_op:
        batch_op.create_index(
            "uq_population_forecast_key", ["publication_date", "year", "age_from", sa.text("coalesce(age_to, -1)")], unique=True
        )

    op.create_table(
        "tax_forecast",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("publication_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        *_tracked(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_forecast")),
        sa.UniqueConstraint("publication_date", "year", "kind", name="uq_tax_forecast_key"),
    )

    op.create_table(
        "price_index",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("index_name", sa.String(length=40), nullable=False),
        sa.Column("publication_date", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("pct_change", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("component", sa.String(length=100), nullable=True),
        *_tracked(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_index")),
    )
    with op.batch_alter_table("price_index", schema=None) as batch_op:
        batch_op.create_index(
            "uq_price_index_key", ["index_name", "publication_date", "year", sa.text("coalesce(component, '')")], unique=True
        )

    op.create_table(
        "target_group",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("board_org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("age_from", sa.Integer(), nullable=True),
        sa.Column("age_to", sa.Integer(), nullable=True),
        *_tracked(),
        sa.CheckConstraint("age_to IS NULL OR age_to >= age_from", name=op.f("ck_target_group_age_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_group")),
    )
    with op.batch_alter_table("target_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_group_board_org_unit_id"), ["board_org_unit_id"], unique=False)
        batch_op.create_index(
            "uq_target_group_key",
            ["board_org_unit_id", "activity", sa.text("coalesce(age_from, -1)"), sa.text("coalesce(age_to, -1)")],
            unique=True,
        )

    op.create_table(
        "target_group_unit_cost",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("target_group_id", sa.Uuid(), nullable=False),
        sa.Column("budget_year", sa.Integer(), nullable=False),
        sa.Column("cost_per_inhabitant", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("coverage_rate", sa.Numeric(precision=6, scale=5), nullable=True),
        *_tracked(),
        sa.CheckConstraint(
            "coverage_rate IS NULL OR (coverage_rate >= 0 AND coverage_rate <= 1)", name=op.f("ck_target_group_unit_cost_coverage_range")
        ),
        sa.ForeignKeyConstraint(
            ["target_group_id"],
            ["target_group.id"],
            name=op.f("fk_target_group_unit_cost_target_group_id_target_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_group_unit_cost")),
        sa.UniqueConstraint("target_group_id", "budget_year", name="uq_target_group_unit_cost_group_year"),
    )
    with op.batch_alter_table("target_group_unit_cost", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_group_unit_cost_target_group_id"), ["target_group_id"], unique=False)

    op.create_table(
        "model_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("budget_year", sa.Integer(), nullable=False),
        sa.Column("population_publication_date", sa.Date(), nullable=False),
        sa.Column("price_index_name", sa.String(length=40), nullable=False),
        sa.Column("price_index_publication_date", sa.Date(), nullable=False),
        sa.Column("price_index_pct", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("wage_compensation_pct", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("efficiency_pct", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("total_proposal", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_run")),
    )
    with op.batch_alter_table("model_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_run_budget_year"), ["budget_year"], unique=False)

    op.create_table(
        "model_run_frame",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("model_run_id", sa.Uuid(), nullable=False),
        sa.Column("board_org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("base_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("proposal_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["model_run_id"], ["model_run.id"], name=op.f("fk_model_run_frame_model_run_id_model_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_run_frame")),
        sa.UniqueConstraint("model_run_id", "board_org_unit_id", name="uq_model_run_frame_run_board"),
    )
    with op.batch_alter_table("model_run_frame", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_run_frame_board_org_unit_id"), ["board_org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_run_frame_model_run_id"), ["model_run_id"], unique=False)

    op.create_table(
        "model_run_component",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("model_run_id", sa.Uuid(), nullable=False),
        sa.Column("board_org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target_group_id", sa.Uuid(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("explanation", JSON, nullable=False),
        sa.ForeignKeyConstraint(["model_run_id"], ["model_run.id"], name=op.f("fk_model_run_component_model_run_id_model_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_run_component")),
    )
    with op.batch_alter_table("model_run_component", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_run_component_model_run_id"), ["model_run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("model_run_component", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_run_component_model_run_id"))
    op.drop_table("model_run_component")
    with op.batch_alter_table("model_run_frame", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_run_frame_model_run_id"))
        batch_op.drop_index(batch_op.f("ix_model_run_frame_board_org_unit_id"))
    op.drop_table("model_run_frame")
    with op.batch_alter_table("model_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_run_budget_year"))
    op.drop_table("model_run")
    with op.batch_alter_table("target_group_unit_cost", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_group_unit_cost_target_group_id"))
    op.drop_table("target_group_unit_cost")
    with op.batch_alter_table("target_group", schema=None) as batch_op:
        batch_op.drop_index("uq_target_group_key")
        batch_op.drop_index(batch_op.f("ix_target_group_board_org_unit_id"))
    op.drop_table("target_group")
    with op.batch_alter_table("price_index", schema=None) as batch_op:
        batch_op.drop_index("uq_price_index_key")
    op.drop_table("price_index")
    op.drop_table("tax_forecast")
    with op.batch_alter_table("population_forecast", schema=None) as batch_op:
        batch_op.drop_index("uq_population_forecast_key")
    op.drop_table("population_forecast")

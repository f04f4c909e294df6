"""actuals and forecasts

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "actuals_import",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("periods", _JSON, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actuals_import")),
        sa.UniqueConstraint("sha256", name=op.f("uq_actuals_import_sha256")),
    )
    with op.batch_alter_table("actuals_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actuals_import_imported_at"), ["imported_at"], unique=False)

    op.create_table(
        "actual",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("cost_center_code", sa.String(length=40), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name=op.f("ck_actual_month_range")),
        sa.ForeignKeyConstraint(["import_id"], ["actuals_import.id"], name=op.f("fk_actual_import_id_actuals_import")),
        sa.PrimaryKeyConstraint("year", "month", "cost_center_code", "account", name=op.f("pk_actual")),
    )
    with op.batch_alter_table("actual", schema=None) as batch_op:
        batch_op.create_index("ix_actual_cost_center_code", ["cost_center_code"], unique=False)

    op.create_table(
        "forecast",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("board_org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("occasion", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast")),
        sa.UniqueConstraint("board_org_unit_id", "year", "occasion", name="uq_forecast_board_year_occasion"),
    )
    with op.batch_alter_table("forecast", schema=None) as batch_op:
        batch_op.create_index("ix_forecast_year_board", ["year", "board_org_unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("forecast", schema=None) as batch_op:
        batch_op.drop_index("ix_forecast_year_board")

    op.drop_table("forecast")
    with op.batch_alter_table("actual", schema=None) as batch_op:
        batch_op.drop_index("ix_actual_cost_center_code")

    op.drop_table("actual")
    with op.batch_alter_table("actuals_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actuals_import_imported_at"))

    op.drop_table("actuals_import")

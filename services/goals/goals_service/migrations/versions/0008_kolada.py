"""Kolada: its values for us and our peers, the municipalities' names, peer groups and the sync's lease

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "kolada_value",
        sa.Column("kpi_id", sa.String(length=20), nullable=False),
        sa.Column("municipality_id", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("gender", sa.String(length=1), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kpi_id", "municipality_id", "year", "gender", name=op.f("pk_kolada_value")),
    )
    op.create_index("ix_kolada_value_kpi_year", "kolada_value", ["kpi_id", "year"])
    op.create_table(
        "kolada_municipality",
        sa.Column("id", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=5), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kolada_municipality")),
    )
    op.create_table(
        "kolada_peer_group",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("municipality_ids", JSON, nullable=False),
        sa.Column("kolada_group_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kolada_peer_group")),
    )
    op.create_table(
        "kolada_lease",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_kolada_lease")),
    )


def downgrade() -> None:
    op.drop_table("kolada_lease")
    op.drop_table("kolada_peer_group")
    op.drop_table("kolada_municipality")
    op.drop_index("ix_kolada_value_kpi_year", table_name="kolada_value")
    op.drop_table("kolada_value")

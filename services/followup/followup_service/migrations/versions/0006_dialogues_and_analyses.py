"""The dialogues with their agreed follow-ups, and the situation analyses

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


def upgrade() -> None:
    op.create_table(
        "dialogue",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("occasion_id", sa.Uuid(), nullable=True),
        sa.Column("cycle_step_number", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=False),
        sa.Column("held_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("participants", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("themes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("questions", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("basis_report_ids", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["occasion_id"], ["occasion.id"], name=op.f("fk_dialogue_occasion_id_occasion")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue")),
    )
    with op.batch_alter_table("dialogue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dialogue_occasion_id"), ["occasion_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dialogue_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dialogue_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_dialogue_year"), ["year"], unique=False)

    op.create_table(
        "dialogue_followup",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dialogue_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"], ["dialogue.id"], name=op.f("fk_dialogue_followup_dialogue_id_dialogue"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue_followup")),
    )
    with op.batch_alter_table("dialogue_followup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dialogue_followup_dialogue_id"), ["dialogue_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dialogue_followup_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "situation_analysis",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sections", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_situation_analysis")),
        sa.UniqueConstraint("year", "kind", "org_unit_id", name="uq_situation_analysis_year_kind_unit"),
    )
    with op.batch_alter_table("situation_analysis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_situation_analysis_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_situation_analysis_year"), ["year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("situation_analysis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_situation_analysis_year"))
        batch_op.drop_index(batch_op.f("ix_situation_analysis_org_unit_id"))

    op.drop_table("situation_analysis")
    with op.batch_alter_table("dialogue_followup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dialogue_followup_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_dialogue_followup_dialogue_id"))

    op.drop_table("dialogue_followup")
    with op.batch_alter_table("dialogue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dialogue_year"))
        batch_op.drop_index(batch_op.f("ix_dialogue_status"))
        batch_op.drop_index(batch_op.f("ix_dialogue_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_dialogue_occasion_id"))

    op.drop_table("dialogue")

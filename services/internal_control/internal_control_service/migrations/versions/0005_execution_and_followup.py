"""results, deviations, actions and follow-up

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
        "control_result",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("occasion", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        *_tracked(),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["control_activity.id"], name=op.f("fk_control_result_activity_id_control_activity"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_result")),
        sa.UniqueConstraint("activity_id", "occasion", name="uq_control_result_activity_occasion"),
    )
    with op.batch_alter_table("control_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_control_result_activity_id"), ["activity_id"], unique=False)

    op.create_table(
        "deviation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("result_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=True),
        *_tracked(),
        sa.ForeignKeyConstraint(
            ["result_id"], ["control_result.id"], name=op.f("fk_deviation_result_id_control_result"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deviation")),
        sa.UniqueConstraint("result_id", name=op.f("uq_deviation_result_id")),
    )
    with op.batch_alter_table("deviation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deviation_status"), ["status"], unique=False)

    op.create_table(
        "action",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("deviation_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        *_tracked(),
        sa.ForeignKeyConstraint(["deviation_id"], ["deviation.id"], name=op.f("fk_action_deviation_id_deviation"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action")),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_deviation_id"), ["deviation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_status"), ["status"], unique=False)

    op.create_table(
        "followup_report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("board_org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("content_taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("decision_body", sa.String(length=200), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("decision_reference", sa.String(length=100), nullable=True),
        sa.Column("replaces_id", sa.Uuid(), nullable=True),
        *_tracked(),
        sa.ForeignKeyConstraint(["plan_id"], ["control_plan.id"], name=op.f("fk_followup_report_plan_id_control_plan")),
        sa.ForeignKeyConstraint(["replaces_id"], ["followup_report.id"], name=op.f("fk_followup_report_replaces_id_followup_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_report")),
        sa.UniqueConstraint("board_org_unit_id", "year", "revision", name="uq_followup_report_board_year_revision"),
    )
    with op.batch_alter_table("followup_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_report_board_org_unit_id"), ["board_org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_report_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_report_year"), ["year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("followup_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_report_year"))
        batch_op.drop_index(batch_op.f("ix_followup_report_status"))
        batch_op.drop_index(batch_op.f("ix_followup_report_board_org_unit_id"))

    op.drop_table("followup_report")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_status"))
        batch_op.drop_index(batch_op.f("ix_action_deviation_id"))

    op.drop_table("action")
    with op.batch_alter_table("deviation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deviation_status"))

    op.drop_table("deviation")
    with op.batch_alter_table("control_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_result_activity_id"))

    op.drop_table("control_result")

"""The directory's feed of org-unit changes (each existing unit enters it once, in the order the
units were made), machine clients as directory principals, and the kind of each audit event's actor

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "org_unit_change",
        sa.Column("position", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("org_unit", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"], name=op.f("fk_org_unit_change_org_unit_id_org_unit")),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_org_unit_change")),
    )
    with op.batch_alter_table("org_unit_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_unit_change_org_unit_id"), ["org_unit_id"], unique=False)

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_kind", sa.String(length=20), server_default="person", nullable=False))

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), server_default="person", nullable=False))

    _units_enter_the_feed()


def _units_enter_the_feed() -> None:
    # Typed as stored, so that ids read back as UUIDs on SQLite too (32 hex digits there) and the
    # feed carries them in their one canonical form.
    units = sa.table(
        "org_unit",
        *(sa.column(name, sa.Uuid()) for name in ("id", "parent_id", "predecessor_id")),
        *(sa.column(name) for name in ("type", "name", "short_name", "created_at")),
        sa.column("external_codes", sa.JSON()),
        sa.column("valid_from", sa.Date()),
        sa.column("valid_to", sa.Date()),
    )
    changes = sa.table(
        "org_unit_change",
        sa.column("org_unit_id", sa.Uuid()),
        sa.column("changed_at", sa.DateTime(timezone=True)),
        sa.column("org_unit", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(units).order_by(units.c.created_at, units.c.id)).mappings().all()
    now = datetime.now(UTC)
    for row in rows:
        state = {
            "id": str(row["id"]),
            "type": row["type"],
            "parent_id": str(row["parent_id"]) if row["parent_id"] else None,
            "predecessor_id": str(row["predecessor_id"]) if row["predecessor_id"] else None,
            "name": row["name"],
            "short_name": row["short_name"],
            "external_codes": row["external_codes"] or {},
            "valid_from": row["valid_from"].isoformat(),
            "valid_to": row["valid_to"].isoformat() if row["valid_to"] else None,
        }
        connection.execute(sa.insert(changes).values(org_unit_id=row["id"], changed_at=now, org_unit=state))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("actor_kind")

    with op.batch_alter_table("org_unit_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_unit_change_org_unit_id"))

    op.drop_table("org_unit_change")

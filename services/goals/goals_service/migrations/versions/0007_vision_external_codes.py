"""vision external codes: the vision's code in other systems (Stratsys's structure file names it)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vision_version", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "external_codes",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("vision_version", schema=None) as batch_op:
        batch_op.drop_column("external_codes")

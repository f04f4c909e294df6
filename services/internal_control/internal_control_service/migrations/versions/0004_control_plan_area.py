"""control plan details

Revision ID: 0004
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401 - used once the tables are written
from alembic import op  # noqa: F401

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""One vocabulary of the year's follow-ups: APRIL, AUGUST and DECEMBER become FORECAST, INTERIM and
ANNUAL in every column that holds an occasion (forecasts, reported reallocations)

Written by hand: a data migration only, the columns keep their types and lengths.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# Old value -> new value. The forecast column is VARCHAR(10): every new value fits.
RENAMED = {"APRIL": "FORECAST", "AUGUST": "INTERIM", "DECEMBER": "ANNUAL"}
COLUMNS = (("forecast", "occasion"), ("reallocation", "reported_at_occasion"))


def _rename(mapping: dict[str, str]) -> None:
    for table, column in COLUMNS:
        for old, new in mapping.items():
            op.execute(sa.text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old").bindparams(old=old, new=new))


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()})

"""The years a client may name in a query or a path, declared once.

The body fields of plans, goals, budgets and controls take the years 2000–2100; a year in a query or
a path has the same domain, so a year outside it is a 422 naming the parameter and never reaches
the database (where a number past the column's range was a 500)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import Field

FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_query(description: str | None = None, *, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> Any:
    """A year in the query string, for `Annotated[int | None, year_query("…")]`; a domain of its
    own (`first`, `last`) only where the body fields of the same records have one."""
    return Query(ge=first, le=last, description=description, examples=[2027])


def year_path(description: str | None = None, *, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> Any:
    return Path(ge=first, le=last, description=description, examples=[2027])


# A year in a request or response body.
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR, examples=[2027])]
YearQuery = Annotated[int, year_query()]
YearFilter = Annotated[int | None, year_query()]
YearPath = Annotated[int, year_path()]

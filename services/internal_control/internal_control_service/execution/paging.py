"""Keyset pagination in (created_at, id) order, the order of every list of this area."""

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from styrkedjan_common.http import cursor_values, decode_cursor, encode_cursor

T = TypeVar("T")
Keyset = tuple[dt.datetime, uuid.UUID]


def keyset(cursor: str | None) -> Keyset | None:
    """The (created_at, id) position a cursor of `created_page` names."""
    after = decode_cursor(cursor)
    return cursor_values(after, at=dt.datetime.fromisoformat, id=uuid.UUID) if after else None  # type: ignore[return-value]


def created_page(rows: Sequence[T], limit: int, record: Callable[[T], Any]) -> tuple[Sequence[T], str | None]:
    """The page and, when more rows follow (queries fetch limit + 1), the cursor after its last row."""
    if len(rows) > limit:
        last = record(rows[limit - 1])
        return rows[:limit], encode_cursor({"at": last.created_at.isoformat(), "id": str(last.id)})
    return rows, None

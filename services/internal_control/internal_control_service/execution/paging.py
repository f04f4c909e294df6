"""Keyset pagination in (created_at, id) order, the order of every list of this area."""

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from styrkedjan_common.http import cursor_values, decode_cursor, page_of

T = TypeVar("T")
Keyset = tuple[dt.datetime, uuid.UUID]


def keyset(cursor: str | None) -> Keyset | None:
    """The (created_at, id) position a cursor of `created_page` names."""
    after = decode_cursor(cursor)
    return cursor_values(after, at=dt.datetime.fromisoformat, id=uuid.UUID) if after else None


def created_page(rows: Sequence[T], limit: int, record: Callable[[T], Any]) -> tuple[Sequence[T], str | None]:
    """`page_of` with the (created_at, id) cursor of the record each row carries."""

    def position(row: T) -> dict[str, Any]:
        created = record(row)
        return {"at": created.created_at.isoformat(), "id": str(created.id)}

    return page_of(rows, limit, position)

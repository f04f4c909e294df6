"""Conditional requests (ETag / If-Match) and cursor pagination."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from styrkedjan_common.problems import InvalidInput, PreconditionFailed, PreconditionRequired

T = TypeVar("T")
MAX_LIMIT = 200
# A read carries at most this many of a collection it embeds (a plan's activities, an
# assessment's risks); the rest are paged from the collection's own list.
EMBEDDED_MAX = 50


def etag(entity_id: Any, version: int) -> str:
    return f'"{entity_id}.{version}"'


def set_etag(row: Any, response: Response) -> None:
    """The ETag of a tracked record (its id and row version) on the response."""
    response.headers["ETag"] = etag(row.id, row.row_version)


def require_if_match(request: Request, current: str) -> None:
    """412 when the client's copy is stale, 428 when it sent no If-Match at all."""
    header = request.headers.get("if-match")
    if header is None:
        raise PreconditionRequired("this update requires an If-Match header with the ETag you last read")
    candidates = {part.strip() for part in header.split(",")}
    if "*" in candidates or current in candidates:
        return
    raise PreconditionFailed("the record has changed since you read it (ETag mismatch); read it again and retry")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to get the next page; absent on the last page")


LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
CursorQuery = Annotated[str | None, Query(description="Opaque cursor from the previous page's `next_cursor`")]


def encode_cursor(values: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


# What a cursor this API issues can hold: positions are years, revisions, indexes and the like
# (never negative, always within PostgreSQL's integer) and texts no longer than a name. A value
# outside these bounds was not issued here and must not reach the database, where an
# out-of-range integer or a NUL character fails the query instead of matching nothing.
CURSOR_MAX_CHARS = 8192
CURSOR_MAX_TEXT = 1000
CURSOR_MAX_INT = 2**31 - 1


def _bad_cursor() -> InvalidInput:
    return InvalidInput("the cursor is not one this API issued", errors=[{"pointer": "#/query/cursor", "detail": "invalid cursor"}])


def _issuable(value: Any) -> bool:
    """A raw cursor value of a kind encode_cursor issues: a bounded text or a non-negative integer."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value <= CURSOR_MAX_INT
    return isinstance(value, str) and len(value) <= CURSOR_MAX_TEXT and "\x00" not in value


def _parsed(raw: Any, parse: Any) -> Any:
    value = parse(raw)
    # Parsing may turn a text into something unbounded ("99999999999") or, for a timestamp, into
    # one without a time zone, which every stored instant has and which cannot be compared to one.
    if not _issuable(raw) or (isinstance(value, int | str) and not _issuable(value)):
        raise ValueError("out of bounds")
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        raise ValueError("naive timestamp")
    return value


def cursor_values(cursor: dict[str, Any], **parsers: Any) -> tuple[Any, ...]:
    """Parse named fields out of a decoded cursor; a tampered cursor is a 422, not a 500."""
    try:
        return tuple(_parsed(cursor[name], parse) for name, parse in parsers.items())
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        # uuid.UUID(5) fails with AttributeError, a date beyond year 9999 with OverflowError.
        raise _bad_cursor() from None


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        if len(cursor) > CURSOR_MAX_CHARS:
            raise ValueError
        padded = cursor + "=" * (-len(cursor) % 4)
        value = orjson.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(value, dict) or not value or not all(_issuable(v) for v in value.values()):
            raise ValueError
        return value
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise _bad_cursor() from None


def page_of(rows: Sequence[T], limit: int, position: Callable[[T], dict[str, Any]]) -> tuple[Sequence[T], str | None]:
    """The page and, when more rows follow (queries fetch limit + 1), the cursor after its last row."""
    if len(rows) > limit:
        return rows[:limit], encode_cursor(position(rows[limit - 1]))
    return rows, None

"""Conditional requests (ETag / If-Match) and cursor pagination."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from styrkedjan_common.problems import InvalidInput, PreconditionFailed, PreconditionRequired

T = TypeVar("T")
MAX_LIMIT = 200


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


def _bad_cursor() -> InvalidInput:
    return InvalidInput("the cursor is not one this API issued", errors=[{"pointer": "#/query/cursor", "detail": "invalid cursor"}])


def cursor_values(cursor: dict[str, Any], **parsers: Any) -> tuple[Any, ...]:
    """Parse named fields out of a decoded cursor; a tampered cursor is a 422, not a 500."""
    try:
        return tuple(parse(cursor[name]) for name, parse in parsers.items())
    except (KeyError, TypeError, ValueError):
        raise _bad_cursor() from None


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = orjson.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(value, dict):
            raise ValueError
        return value
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise _bad_cursor() from None


def page_of(rows: Sequence[T], limit: int, position: Callable[[T], dict[str, Any]]) -> tuple[Sequence[T], str | None]:
    """The page and, when more rows follow (queries fetch limit + 1), the cursor after its last row."""
    if len(rows) > limit:
        return rows[:limit], encode_cursor(position(rows[limit - 1]))
    return rows, None

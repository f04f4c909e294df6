"""Conditional requests and cursors: 412 for a stale copy, 428 for none, 422 for a cursor we did not issue."""

import base64
import datetime as dt
import uuid

import pytest
from starlette.requests import Request

from styrkedjan_common.http import cursor_values, decode_cursor, encode_cursor, etag, require_if_match
from styrkedjan_common.problems import InvalidInput, PreconditionFailed, PreconditionRequired

ID = uuid.UUID("8c1f6f3e-3f7b-4d3e-9c55-2f1a7b0c9d10")
CURRENT = etag(ID, 3)


def request_with(if_match: str | None) -> Request:
    headers = [] if if_match is None else [(b"if-match", if_match.encode())]
    return Request({"type": "http", "method": "PATCH", "path": "/", "headers": headers})


def test_etag_is_a_quoted_strong_tag_of_id_and_version():
    assert f'"{ID}.3"' == CURRENT
    assert etag(ID, 4) != CURRENT


@pytest.mark.parametrize("header", [CURRENT, "*", f'"{ID}.2", {CURRENT}', f'{CURRENT},"other.1"', f"  {CURRENT}  "])
def test_if_match_with_the_current_etag_or_a_wildcard_passes(header):
    require_if_match(request_with(header), CURRENT)


@pytest.mark.parametrize("header", [f'"{ID}.2"', f'"{ID}.2", "{ID}.4"', f"W/{CURRENT}", f"{ID}.3", ""])
def test_if_match_with_a_stale_weak_or_unquoted_etag_is_412(header):
    with pytest.raises(PreconditionFailed) as refused:
        require_if_match(request_with(header), CURRENT)
    assert refused.value.status == 412 and "ETag" in refused.value.detail


def test_missing_if_match_is_428():
    with pytest.raises(PreconditionRequired) as refused:
        require_if_match(request_with(None), CURRENT)
    assert refused.value.status == 428 and "If-Match" in refused.value.detail


def test_cursor_round_trips_and_is_url_safe():
    values = {"at": "2026-06-15T10:00:00+00:00", "id": str(ID), "revision": 12, "name": "å/ä?+"}
    cursor = encode_cursor(values)
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor
    assert decode_cursor(cursor) == values


def test_absent_cursor_decodes_to_none():
    assert decode_cursor(None) is None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    ["not a cursor!", "åäö", "a", _b64(b"not json"), _b64(b"[1, 2]"), _b64(b'"text"'), _b64(b"17"), ""],
)
def test_cursor_this_api_did_not_issue_is_422_pointing_at_the_query(cursor):
    with pytest.raises(InvalidInput) as refused:
        decode_cursor(cursor)
    assert refused.value.status == 422
    assert refused.value.errors == [{"pointer": "#/query/cursor", "detail": "invalid cursor"}]


def test_cursor_values_are_parsed_by_name():
    cursor = decode_cursor(encode_cursor({"revision": 3, "id": str(ID)}))
    assert cursor_values(cursor, revision=int, id=uuid.UUID) == (3, ID)


@pytest.mark.parametrize(
    "tampered", [{"id": str(ID)}, {"revision": "three", "id": str(ID)}, {"revision": 3, "id": "x"}, {"revision": None, "id": str(ID)}]
)
def test_tampered_cursor_values_are_422_not_500(tampered):
    with pytest.raises(InvalidInput) as refused:
        cursor_values(decode_cursor(encode_cursor(tampered)), revision=int, id=uuid.UUID)
    assert refused.value.errors[0]["pointer"] == "#/query/cursor"


@pytest.mark.parametrize(
    "tampered",
    [
        {"revision": 2**31, "id": str(ID)},
        {"revision": -1, "id": str(ID)},
        {"revision": True, "id": str(ID)},
        {"revision": "99999999999", "id": str(ID)},
        {"revision": 3, "id": 5},
        {"revision": 3, "id": {"$ne": None}},
        {"revision": 3, "id": str(ID) + "\x00"},
    ],
)
def test_cursor_values_out_of_bounds_are_422_before_any_query(tampered):
    with pytest.raises(InvalidInput):
        cursor_values(decode_cursor(encode_cursor(tampered)), revision=int, id=uuid.UUID)


def test_cursor_timestamp_without_a_time_zone_is_422():
    with pytest.raises(InvalidInput):
        cursor_values(decode_cursor(encode_cursor({"at": "2026-06-15T10:00:00"})), at=dt.datetime.fromisoformat)
    aware = cursor_values(decode_cursor(encode_cursor({"at": "2026-06-15T10:00:00+00:00"})), at=dt.datetime.fromisoformat)
    assert aware[0].tzinfo is not None


def test_empty_or_overlong_cursor_is_422():
    for cursor in (encode_cursor({}), encode_cursor({"name": "a" * 9000})):
        with pytest.raises(InvalidInput):
            decode_cursor(cursor)

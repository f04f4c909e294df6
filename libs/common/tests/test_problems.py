"""Problem details: every failure, 422 included, is RFC 9457 with pointers; never a stack trace."""

import httpx
import orjson
import pytest
from fastapi import FastAPI, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from styrkedjan_common.context import request_id_var
from styrkedjan_common.problems import (
    PROBLEM_MEDIA_TYPE,
    InvalidInput,
    NotFound,
    RuleViolation,
    install_problem_handlers,
    problem_body,
    send_problem,
    validation_errors,
)


@pytest.mark.parametrize(
    ("location", "pointer"),
    [
        (("body", "core_values", 0, "name"), "#/core_values/0/name"),
        (("body", "text"), "#/text"),
        (("body",), "#"),
        (("query", "limit"), "#/query/limit"),
        (("path", "vision_id"), "#/path/vision_id"),
        (("header", "if-match"), "#/header/if-match"),
        (("body", "a/b", "c~d"), "#/a~1b/c~0d"),
        ((), "#"),
    ],
)
def test_validation_error_locations_become_json_pointers(location, pointer):
    errors = validation_errors(RequestValidationError([{"loc": location, "msg": "bad value", "type": "value_error"}]))
    assert errors == [{"pointer": pointer, "detail": "bad value"}]


class Item(BaseModel):
    name: str
    tags: list[str] = []


def tiny_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/items/{item_id}")
    async def post_item(item_id: int, item: Item, limit: int = Query(default=1, ge=1)) -> dict:
        return {"ok": True}

    @app.get("/rule")
    async def rule() -> None:
        raise RuleViolation("at most 5 municipal goals per mandate period")

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("no goal 7")

    @app.get("/invalid")
    async def invalid() -> None:
        raise InvalidInput("the horizon is too short", errors=[{"pointer": "#/horizon_end_year", "detail": "too short"}])

    @app.get("/stale")
    async def stale() -> None:
        raise StaleDataError("UPDATE statement on table 'x' expected to update 1 row(s); 0 were matched.")

    @app.get("/integrity")
    async def integrity() -> None:
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key value violates unique constraint"))

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=tiny_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def assert_problem(response, status):
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


async def test_request_validation_failure_lists_pointers_for_body_query_and_path(client):
    response = await client.post("/items/seven", params={"limit": 0}, json={"tags": ["a", 5]})
    body = assert_problem(response, 422)
    assert body["type"] == "urn:styrkedjan:problem:validation-failed"
    assert body["title"] == "Unprocessable Content"
    assert body["instance"] == "/items/seven"
    assert {e["pointer"] for e in body["errors"]} == {"#/path/item_id", "#/query/limit", "#/name", "#/tags/1"}
    assert body["detail"] == "the request is not valid: 4 error(s)"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"name": "\xe5\xe4\xf6"}', "the body is not UTF-8 encoded JSON"),
        (b"\xff\xfe\x00", "the body is not UTF-8 encoded JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "the body is nested too deeply to be read"),
    ],
)
async def test_a_body_that_cannot_be_read_is_a_422_like_any_invalid_json(client, body, detail):
    response = await client.post("/items/7", content=body, headers={"content-type": "application/json"})
    problem = assert_problem(response, 422)
    assert problem["type"] == "urn:styrkedjan:problem:validation-failed"
    assert problem["errors"] == [{"pointer": "#", "detail": detail}]


async def test_rule_violation_is_a_409_naming_the_rule(client):
    body = assert_problem(await client.get("/rule"), 409)
    assert body["type"] == "urn:styrkedjan:problem:rule-violation"
    assert body["detail"] == "at most 5 municipal goals per mandate period"
    assert "errors" not in body


async def test_domain_not_found_is_a_404_problem(client):
    body = assert_problem(await client.get("/missing"), 404)
    assert body["type"] == "urn:styrkedjan:problem:not-found" and body["instance"] == "/missing"


async def test_invalid_input_carries_its_pointers(client):
    body = assert_problem(await client.get("/invalid"), 422)
    assert body["errors"] == [{"pointer": "#/horizon_end_year", "detail": "too short"}]
    # One title per status, as RFC 9110 names it, whichever way the 422 came about.
    assert body["title"] == "Unprocessable Content"


async def test_unknown_route_and_wrong_method_are_problems(client):
    body = assert_problem(await client.get("/nowhere"), 404)
    assert body["type"] == "about:blank" and "detail" not in body
    refused = await client.put("/rule")
    assert_problem(refused, 405)
    assert refused.headers["allow"] == "GET"


async def test_concurrent_change_is_a_412(client):
    body = assert_problem(await client.get("/stale"), 412)
    assert body["type"] == "urn:styrkedjan:problem:precondition-failed"


async def test_integrity_error_is_a_409_without_database_details(client):
    body = assert_problem(await client.get("/integrity"), 409)
    assert "duplicate key" not in body["detail"] and "INSERT" not in body["detail"]


async def test_unexpected_error_is_a_500_problem_without_a_stack_trace(client):
    response = await client.get("/crash")
    body = assert_problem(response, 500)
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert body["detail"] == "an unexpected error occurred; it has been logged"


def test_problem_body_carries_the_request_id_of_the_current_request():
    token = request_id_var.set("req-42")
    try:
        body = orjson.loads(problem_body(409, "rule", instance="/x"))
    finally:
        request_id_var.reset(token)
    assert body == {"type": "about:blank", "title": "Conflict", "status": 409, "detail": "rule", "instance": "/x", "request_id": "req-42"}


def test_problem_body_leaves_out_what_is_unknown():
    assert orjson.loads(problem_body(404)) == {"type": "about:blank", "title": "Not Found", "status": 404}


async def test_send_problem_answers_a_problem_document_over_asgi_with_extra_headers():
    sent = []

    async def send(message):
        sent.append(message)

    await send_problem(send, 503, "the budget service is unavailable", "upstream-unavailable", "/api/budget/v1/x", [(b"retry-after", b"5")])
    start, body = sent
    assert start["status"] == 503
    assert start["headers"] == [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body["body"])).encode()),
        (b"retry-after", b"5"),
    ]
    assert orjson.loads(body["body"]) == {
        "type": "urn:styrkedjan:problem:upstream-unavailable",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "the budget service is unavailable",
        "instance": "/api/budget/v1/x",
    }

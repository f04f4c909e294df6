"""A POST retried with the same Idempotency-Key is answered once: the first answer is replayed,
another request with the key is refused, and two at once never both run. On both databases."""

import asyncio
import hashlib
import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from styrkedjan_common.app import create_service_app
from styrkedjan_common.audit import AuditEventMixin, Auditor
from styrkedjan_common.db import Base, SessionDep, make_metadata, utcnow
from styrkedjan_common.idempotency import IdempotencyRecordMixin
from styrkedjan_common.identity import Role
from styrkedjan_common.problems import RuleViolation
from styrkedjan_common.security import PolicyRoute, allow
from styrkedjan_common.settings import ServiceSettings
from styrkedjan_common.testing import TestKeys, assertion_headers, principal, running


class ProbeBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class ProbeAuditEvent(AuditEventMixin, ProbeBase):
    pass


class ProbeIdempotencyRecord(IdempotencyRecordMixin, ProbeBase):
    pass


class Thing(ProbeBase):
    __tablename__ = "thing"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class ThingCreate(BaseModel):
    name: str


class Gate:
    """Holds the creating request after its write and before its commit, until the test opens it."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.opened = asyncio.Event()
        self.opened.set()

    def close(self) -> None:
        self.opened.clear()
        self.entered.clear()


gate = Gate()
failures_left = [0]
router = APIRouter(route_class=PolicyRoute)
WRITERS = allow(Role.ADMIN, Role.NAMND)


@router.post("/things", status_code=201, openapi_extra=WRITERS)
async def create_thing(data: ThingCreate, session: SessionDep, response: Response) -> dict[str, str]:
    thing = Thing(id=str(uuid.uuid4()), name=data.name)
    session.add(thing)
    await session.flush()
    gate.entered.set()
    await gate.opened.wait()
    if failures_left[0] > 0:
        failures_left[0] -= 1
        raise RuntimeError("the database went away")  # rolled back: an unexpected error, 500
    response.headers["Location"] = f"/api/probe/v1/things/{thing.id}"
    response.headers["ETag"] = '"1"'
    return {"id": thing.id, "name": thing.name}


@router.post("/things/refusals", openapi_extra=WRITERS)
async def refuse_thing(data: ThingCreate) -> None:
    raise RuleViolation(f"{data.name} is not allowed")


@router.post("/things/busy", openapi_extra=WRITERS)
async def busy(data: ThingCreate, session: SessionDep) -> Response:
    session.add(Thing(id=str(uuid.uuid4()), name=data.name))
    return Response(status_code=429, headers={"Retry-After": "1"})


@router.post("/uploads", status_code=201, openapi_extra=WRITERS)
async def upload(request: Request) -> dict[str, object]:
    digest, size = hashlib.sha256(), 0
    async for chunk in request.stream():
        digest.update(chunk)
        size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


@router.get("/things", openapi_extra=allow(Role.ADMIN))
async def count_things(session: SessionDep) -> dict[str, int]:
    return {"count": await session.scalar(select(func.count()).select_from(Thing)) or 0}


KEYS = TestKeys.generate()
THINGS = "/api/probe/v1/things"


def caller(user_id: str = "user-admin", role: Role = Role.ADMIN) -> dict[str, str]:
    return assertion_headers(KEYS, "probe", principal(role, user_id=user_id))


def keyed(key: str, user_id: str = "user-admin") -> dict[str, str]:
    return caller(user_id) | {"Idempotency-Key": key}


@pytest.fixture
async def client(database_url):
    gate.opened.set()
    failures_left[0] = 0
    settings = ServiceSettings(database_url=database_url, assertion_public_keys=KEYS.public_pem, environment="test", log_level="CRITICAL")
    app = create_service_app(
        name="probe", title="Probe", description="", settings=settings, routers=[router], auditor=Auditor(ProbeAuditEvent, readings={})
    )
    async with running(app):
        async with app.state.engine.begin() as connection:
            await connection.run_sync(ProbeBase.metadata.create_all)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://probe") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http
    gate.opened.set()


async def things(client) -> int:
    return (await client.get(THINGS, headers=caller())).json()["count"]


async def records(client) -> list[ProbeIdempotencyRecord]:
    async with client.app.state.sessionmaker() as session:
        return list(await session.scalars(select(ProbeIdempotencyRecord)))


def assert_key_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


async def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_creates_nothing(client):
    first = await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("k-1"))
    again = await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("k-1"))
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    assert (again.status_code, again.content) == (201, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    for header in ("location", "etag", "content-type"):
        assert again.headers[header] == first.headers[header]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert await things(client) == 1


async def test_a_post_without_a_key_is_not_deduplicated(client):
    for _ in range(2):
        assert (await client.post(THINGS, json={"name": "Parkskolan"}, headers=caller())).status_code == 201
    assert await things(client) == 2
    assert await records(client) == []


@pytest.mark.parametrize(
    ("path", "body"),
    [(THINGS, {"name": "Vallbyskolan"}), ("/api/probe/v1/uploads", {"name": "Parkskolan"}), (THINGS + "?x=1", {"name": "Parkskolan"})],
)
async def test_the_same_key_with_another_request_is_a_422_naming_the_header_and_nothing_is_created(client, path, body):
    assert (await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("k-2"))).status_code == 201
    refused = await client.post(path, json=body, headers=keyed("k-2"))
    problem = assert_key_problem(refused, 422)
    assert problem["type"] == "urn:styrkedjan:problem:idempotency-key-reused"
    assert [error["pointer"] for error in problem["errors"]] == ["#/header/Idempotency-Key"]
    assert await things(client) == 1


async def test_keys_are_per_caller(client):
    for user in ("user-a", "user-b"):
        response = await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("shared", user))
        assert response.status_code == 201 and "idempotent-replayed" not in response.headers
    assert await things(client) == 2


async def test_the_same_key_sent_many_times_at_once_creates_exactly_one(client):
    responses = await asyncio.gather(*(client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("burst")) for _ in range(12)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    created = [r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]
    assert len(created) == 1
    assert all(r.json() == created[0].json() for r in responses if r.status_code == 201)
    assert await things(client) == 1


async def test_a_request_that_gave_up_commits_later_and_its_retry_gets_that_answer(client):
    """The gateway's 504: the first request is still running when the client retries (409, nothing
    runs twice); it commits after the client gave up; the next retry gets its answer."""
    gate.close()
    first = asyncio.create_task(client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("slow")))
    await asyncio.wait_for(gate.entered.wait(), 10)
    while_running = await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("slow"))
    problem = assert_key_problem(while_running, 409)
    assert problem["type"] == "urn:styrkedjan:problem:idempotency-key-in-use"
    assert while_running.headers["retry-after"] == "1"
    gate.opened.set()
    committed = await asyncio.wait_for(first, 10)  # the answer the client never saw
    retried = await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("slow"))
    assert (retried.status_code, retried.json(), retried.headers["idempotent-replayed"]) == (201, committed.json(), "true")
    assert await things(client) == 1


async def test_an_unexpected_error_releases_the_key_so_the_retry_runs(client):
    failures_left[0] = 1
    failed = await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("k-500"))
    assert failed.status_code == 500
    assert await records(client) == [] and await things(client) == 0
    retried = await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("k-500"))
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert await things(client) == 1


async def test_a_refusal_is_the_answer_to_that_request_and_is_replayed(client):
    first = await client.post(f"{THINGS}/refusals", json={"name": "Parkskolan"}, headers=keyed("k-409"))
    again = await client.post(f"{THINGS}/refusals", json={"name": "Parkskolan"}, headers=keyed("k-409"))
    assert (first.status_code, again.status_code, again.content) == (409, 409, first.content)
    assert again.headers["idempotent-replayed"] == "true"


async def test_an_answer_asking_to_come_back_later_is_not_kept(client):
    assert (await client.post(f"{THINGS}/busy", json={"name": "Parkskolan"}, headers=keyed("k-429"))).status_code == 429
    assert await records(client) == []


async def test_a_role_refusal_reserves_nothing(client):
    refused = await client.get(THINGS, headers=caller(role=Role.ENHET) | {"Idempotency-Key": "k-403"})
    assert refused.status_code == 403
    refused = await client.post(
        THINGS, json={"name": "x"}, headers=assertion_headers(KEYS, "probe", principal(Role.ENHET)) | {"Idempotency-Key": "k"}
    )
    assert refused.status_code == 403
    assert await records(client) == []


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        (b"", "empty"),
        (b'""', "empty"),
        (b"k" * 256, "longer than 255"),
        (b"a\x00b", "printable ASCII"),
        (b"a\x01b", "printable ASCII"),
        ("nyckel-\u00e5".encode("latin-1"), "printable ASCII"),
    ],
)
async def test_a_malformed_key_is_a_422_naming_the_header(client, value, detail):
    headers = [(name.encode(), header.encode()) for name, header in caller().items()] + [(b"idempotency-key", value)]
    response = await client.post(THINGS, json={"name": "Parkskolan"}, headers=headers)
    problem = assert_key_problem(response, 422)
    assert problem["errors"][0]["pointer"] == "#/header/Idempotency-Key" and detail in problem["errors"][0]["detail"]
    assert await things(client) == 0


async def test_two_keys_on_one_request_are_a_422(client):
    headers = [(name.encode(), header.encode()) for name, header in caller().items()] + [
        (b"idempotency-key", b"a"),
        (b"idempotency-key", b"b"),
    ]
    assert_key_problem(await client.post(THINGS, json={"name": "Parkskolan"}, headers=headers), 422)


async def test_a_key_of_255_characters_in_the_drafts_quoted_form_is_accepted(client):
    key = "k" * 255
    first = await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed(f'"{key}"'))
    again = await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed(key))
    assert (first.status_code, again.headers.get("idempotent-replayed")) == (201, "true")


async def test_an_expired_key_is_a_new_request_and_expired_records_are_removed(client):
    assert (await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("old"))).status_code == 201
    async with client.app.state.sessionmaker() as session, session.begin():
        await session.execute(update(ProbeIdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
    fresh = await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("old"))
    assert fresh.status_code == 201 and "idempotent-replayed" not in fresh.headers
    assert await things(client) == 2
    # Another caller's expired record is removed by the next purge.
    async with client.app.state.sessionmaker() as session, session.begin():
        session.add(ProbeIdempotencyRecord(actor_id="someone", key="gone", fingerprint="f", expires_at=utcnow() - timedelta(hours=1)))
    middleware = client.app.middleware_stack
    while not hasattr(middleware, "_next_purge"):
        middleware = middleware.app
    middleware._next_purge = 0.0
    assert (await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("new"))).status_code == 201
    assert sorted(r.key for r in await records(client)) == ["new", "old"]


async def test_records_expire_after_the_configured_time(client):
    ttl = client.app.state.settings.idempotency_key_ttl_seconds
    assert ttl == 24 * 3600
    assert (await client.post(THINGS, json={"name": "Parkskolan"}, headers=keyed("ttl"))).status_code == 201
    (record,) = await records(client)
    assert timedelta(seconds=ttl - 60) < record.expires_at - record.created_at <= timedelta(seconds=ttl)


async def test_a_large_keyed_body_reaches_the_operation_whole(client):
    body = bytes(range(256)) * 12_000  # 3 MB: beyond what is kept in memory
    first = await client.post("/api/probe/v1/uploads", content=body, headers=keyed("upload"))
    again = await client.post("/api/probe/v1/uploads", content=body, headers=keyed("upload"))
    assert first.json() == {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    assert (again.json(), again.headers["idempotent-replayed"]) == (first.json(), "true")


async def test_the_openapi_document_declares_the_key_on_every_post(client):
    schema = (await client.get("/openapi.json", headers=caller())).json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            names = [p["name"] for p in operation.get("parameters", [])]
            assert ("Idempotency-Key" in names) == (method == "post"), (method, path)
    post = schema["paths"][THINGS]["post"]
    assert {"409", "422"} <= post["responses"].keys()
    assert "Idempotent-Replayed" in post["responses"]["201"]["headers"]

"""A service calling another directly, over real HTTP, with its own assertion: admitted only on the
operations that declare it (x-services), refused with 401 when the assertion is missing, expired,
meant for another service or signed with another service's key, and with 403 where it is not
declared; a person is refused an operation for services only. What a service writes is audited as
written by a service. On both databases."""

import time
import uuid

import aiohttp
import jwt
import pytest
from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from styrkedjan_common import testing
from styrkedjan_common.app import create_service_app
from styrkedjan_common.audit import AuditEventMixin, Auditor, AuditReading
from styrkedjan_common.clients import CalleeRefused, ServiceClient
from styrkedjan_common.db import Base, SessionDep, make_metadata
from styrkedjan_common.identity import ALGORITHM, HEADER, SERVICE_ISSUER, Role, ServiceSigner
from styrkedjan_common.problems import NotFound
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_services
from styrkedjan_common.settings import ServiceSettings
from styrkedjan_common.testing import SERVICE_KEYS, assertion_headers, principal, running, served

KEYS = testing.TestKeys.generate()
API = "/api/probe/v1"


class ProbeBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class ProbeEvent(AuditEventMixin, ProbeBase):
    pass


class Note(ProbeBase):
    __tablename__ = "note"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


class NoteCreate(BaseModel):
    text: str


auditor = Auditor(ProbeEvent, {"note": AuditReading("/notes/{note_id}")})
router = APIRouter(route_class=PolicyRoute)


@router.get("/notes/{note_id}", openapi_extra=allow(Role.REVISOR, services=("followup",)))
async def get_note(note_id: str, session: SessionDep) -> dict[str, str]:
    note = await session.get(Note, note_id)
    if note is None:
        raise NotFound(f"note {note_id} does not exist")
    return {"id": note.id, "text": note.text}


@router.post("/notes", status_code=201, openapi_extra=allow_services("followup"))
async def create_note(data: NoteCreate, session: SessionDep, caller: CallerDep) -> dict[str, str]:
    note = Note(id=str(uuid.uuid4()), text=data.text)
    session.add(note)
    auditor.record(session, caller, "CREATE", "note", note.id, after={"text": note.text})
    return {"id": note.id, "text": note.text}


@router.get("/minutes", openapi_extra=allow(Role.REVISOR))
async def list_minutes() -> dict[str, list[str]]:
    return {"items": []}


class ProbeClient(ServiceClient):
    callee = "probe"
    prefix = API


def signed(caller: str, audience: str = "probe", *, key_of: str | None = None, ttl_seconds: int = 60) -> dict[str, str]:
    """The assertion of `caller`, signed with the key of `key_of` (its own by default)."""
    return {HEADER: ServiceSigner(SERVICE_KEYS[key_of or caller].private_pem, caller, ttl_seconds=ttl_seconds).assertion(audience)}


def revisor() -> dict[str, str]:
    return assertion_headers(KEYS, "probe", principal(Role.REVISOR))


@pytest.fixture
async def probe(database_url):
    settings = ServiceSettings(
        database_url=database_url,
        assertion_public_keys=KEYS.public_pem,
        service_public_keys={name: SERVICE_KEYS[name].public_pem for name in ("followup", "budget")},
        environment="test",
        log_level="CRITICAL",
    )
    app = create_service_app(name="probe", title="Probe", description="", settings=settings, routers=[router], auditor=auditor)
    async with running(app):
        async with app.state.engine.begin() as connection:
            await connection.run_sync(ProbeBase.metadata.create_all)
        async with served(app) as url, aiohttp.ClientSession(url) as http:
            http.app, http.url = app, url  # type: ignore[attr-defined]
            yield http


async def call(http: aiohttp.ClientSession, method: str, path: str, headers: dict[str, str], json: object = None) -> tuple[int, dict]:
    async with http.request(method, API + path, headers=headers, json=json) as response:
        return response.status, await response.json(content_type=None)


async def a_note(http: aiohttp.ClientSession) -> str:
    status, body = await call(http, "POST", "/notes", signed("followup"), {"text": "Uppföljning april"})
    assert status == 201, body
    return body["id"]


async def notes_stored(http: aiohttp.ClientSession) -> int:
    async with http.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        return len((await session.scalars(select(Note))).all())


async def test_a_declared_service_is_admitted_with_its_own_assertion(probe):
    note = await a_note(probe)
    assert await call(probe, "GET", f"/notes/{note}", signed("followup")) == (200, {"id": note, "text": "Uppföljning april"})


async def test_a_typed_client_reads_a_declared_operation(probe):
    note = await a_note(probe)
    client = ProbeClient(probe.url, ServiceSigner(SERVICE_KEYS["followup"].private_pem, "followup"))
    try:
        assert await client.get_json(f"/notes/{note}") == {"id": note, "text": "Uppföljning april"}
        with pytest.raises(CalleeRefused) as refused:
            await client.get_json("/minutes")
    finally:
        await client.close()
    assert refused.value.callee_status == 403
    assert "does not admit calls from the followup service" in refused.value.detail


@pytest.mark.parametrize(("method", "path"), [("GET", "/notes/x"), ("POST", "/notes"), ("GET", "/minutes")])
async def test_a_call_without_an_assertion_is_a_401(probe, method, path):
    status, body = await call(probe, method, path, {}, {"text": "x"})
    assert (status, body["type"]) == (401, "urn:styrkedjan:problem:invalid-assertion")
    assert await notes_stored(probe) == 0


async def test_a_person_is_refused_an_operation_for_services_only(probe):
    status, body = await call(probe, "POST", "/notes", revisor(), {"text": "x"})
    assert (status, body["type"], body["detail"]) == (
        403,
        "urn:styrkedjan:problem:role-not-allowed",
        "this operation is for other services only",
    )
    assert await notes_stored(probe) == 0


async def test_a_person_with_a_declared_role_still_reads_beside_the_service(probe):
    note = await a_note(probe)
    assert (await call(probe, "GET", f"/notes/{note}", revisor()))[0] == 200


@pytest.mark.parametrize(
    ("caller", "method", "path"),
    [("budget", "GET", "/notes/{note}"), ("budget", "POST", "/notes"), ("followup", "GET", "/minutes")],
)
async def test_a_service_is_refused_where_it_is_not_declared(probe, caller, method, path):
    note = await a_note(probe)
    status, body = await call(probe, method, path.format(note=note), signed(caller), {"text": "x"})
    assert (status, body["type"]) == (403, "urn:styrkedjan:problem:role-not-allowed")
    assert body["detail"] == f"this operation does not admit calls from the {caller} service"
    assert await notes_stored(probe) == 1


async def test_an_expired_service_assertion_is_a_401(probe):
    status, body = await call(probe, "POST", "/notes", signed("followup", ttl_seconds=-30), {"text": "x"})
    assert (status, body["type"]) == (401, "urn:styrkedjan:problem:invalid-assertion")
    assert "expired" in body["detail"]
    assert await notes_stored(probe) == 0


async def test_a_service_assertion_for_another_callee_is_a_401(probe):
    status, body = await call(probe, "POST", "/notes", signed("followup", "goals"), {"text": "x"})
    assert (status, body["type"]) == (401, "urn:styrkedjan:problem:invalid-assertion")
    assert "audience" in body["detail"].lower()
    assert await notes_stored(probe) == 0


async def test_an_assertion_signed_with_another_services_key_is_a_401(probe):
    # The budget service's key proves the budget service, whatever the assertion says it is.
    status, body = await call(probe, "POST", "/notes", signed("followup", key_of="budget"), {"text": "x"})
    assert (status, body["type"]) == (401, "urn:styrkedjan:problem:invalid-assertion")
    assert "budget service's key" in body["detail"]
    assert await notes_stored(probe) == 0


async def test_an_assertion_of_an_unknown_service_is_a_401(probe):
    # The goals service's key is not among the probe's callers.
    status, body = await call(probe, "GET", "/notes/x", signed("goals"))
    assert (status, body["detail"]) == (401, "the identity assertion is signed by an unknown key")


async def test_a_service_assertion_claiming_a_person_is_a_401(probe):
    # A service's key signs for the service alone: an assertion with assignments and no service kind is refused.
    issued = int(time.time())
    claims = {
        "iss": SERVICE_ISSUER,
        "sub": "followup",
        "aud": "probe",
        "iat": issued,
        "exp": issued + 60,
        "kind": "person",
        "assignments": [{"role": "admin", "org_unit_id": "root", "scope": "*"}],
    }
    signer = ServiceSigner(SERVICE_KEYS["followup"].private_pem, "followup")
    token = jwt.encode(claims, signer._key, algorithm=ALGORITHM, headers={"kid": signer.kid})
    status, _ = await call(probe, "POST", "/notes", {HEADER: token}, {"text": "x"})
    assert status == 401
    assert await notes_stored(probe) == 0


async def test_the_schema_declares_the_services_beside_the_roles(probe):
    async with probe.get("/openapi.json", headers=revisor()) as response:
        assert response.status == 200
        schema = await response.json()
    paths = schema["paths"]
    assert (paths[f"{API}/notes/{{note_id}}"]["get"]["x-roles"], paths[f"{API}/notes/{{note_id}}"]["get"]["x-services"]) == (
        ["revisor"],
        ["followup"],
    )
    assert (paths[f"{API}/notes"]["post"]["x-roles"], paths[f"{API}/notes"]["post"]["x-services"]) == ([], ["followup"])
    assert "x-services" not in paths[f"{API}/minutes"]["get"]


async def test_what_a_service_writes_is_audited_as_written_by_the_service(probe):
    note = await a_note(probe)
    status, page = await call(probe, "GET", "/audit-events", revisor())
    assert status == 200
    [event] = page["items"]
    assert (event["entity_id"], event["actor_kind"], event["actor_id"], event["actor_name"]) == (
        note,
        "service",
        "service:followup",
        "followup service",
    )

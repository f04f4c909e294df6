"""Who reads the audit trail of a kind of object: as declared by the app, checked against the app's
own reading operations, and nobody for a kind without a declaration."""

import pytest
from fastapi import APIRouter, FastAPI

from styrkedjan_common.app import create_service_app
from styrkedjan_common.audit import AuditEventMixin, Auditor, AuditReading, UndeclaredAuditType
from styrkedjan_common.db import Base, make_metadata
from styrkedjan_common.identity import Role
from styrkedjan_common.security import PolicyRoute, allow
from styrkedjan_common.settings import ServiceSettings
from styrkedjan_common.testing import TestKeys, principal

PREFIX = "/api/probe/v1"


class ProbeBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class ProbeEvent(AuditEventMixin, ProbeBase):
    pass


def app_with(auditor: Auditor) -> FastAPI:
    """An app reading one kind of object, `/things/{thing_id}`, by revisor and fullmaktige."""
    things = APIRouter(route_class=PolicyRoute)

    @things.get("/things/{thing_id}", openapi_extra=allow(Role.REVISOR, Role.FULLMAKTIGE))
    async def get_thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    app = FastAPI()
    app.include_router(things, prefix=PREFIX)
    app.include_router(auditor.router(), prefix=PREFIX)
    return app


class Session:
    def __init__(self) -> None:
        self.added: list[object] = []

    def add(self, row: object) -> None:
        self.added.append(row)


def test_the_readers_of_a_kind_are_the_roles_of_its_reading_operation():
    auditor = Auditor(ProbeEvent, {"thing": AuditReading("/things/{thing_id}")})
    app = app_with(auditor)
    assert auditor.readers(app) == {"thing": frozenset({Role.REVISOR, Role.FULLMAKTIGE})}
    assert auditor.readable_types(app, principal(Role.REVISOR)) == ["thing"]
    assert auditor.readable_types(app, principal(Role.ADMIN)) == []


def test_a_declaration_may_narrow_the_operations_roles_but_never_widen_them():
    narrowed = Auditor(ProbeEvent, {"thing": AuditReading("/things/{thing_id}", roles=frozenset({Role.REVISOR}))})
    assert narrowed.readers(app_with(narrowed)) == {"thing": frozenset({Role.REVISOR})}
    wider = Auditor(ProbeEvent, {"thing": AuditReading("/things/{thing_id}", roles=frozenset({Role.REVISOR, Role.ADMIN}))})
    with pytest.raises(RuntimeError, match="admin"):
        wider.readers(app_with(wider))


def test_a_declaration_names_an_operation_the_app_has():
    auditor = Auditor(ProbeEvent, {"thing": AuditReading("/thingz/{thing_id}")})
    with pytest.raises(RuntimeError, match="does not have"):
        auditor.readers(app_with(auditor))


def test_an_undeclared_kind_is_refused_when_recorded_and_read_by_nobody():
    auditor = Auditor(ProbeEvent, {"thing": AuditReading("/things/{thing_id}")})
    session = Session()
    with pytest.raises(UndeclaredAuditType, match="secret"):
        auditor.record(session, principal(Role.FULLMAKTIGE), "CREATE", "secret", "1", after={"x": 1})  # type: ignore[arg-type]
    assert session.added == []
    app = app_with(auditor)
    assert "secret" not in auditor.readable_types(app, principal(Role.REVISOR))
    auditor.record(session, principal(Role.FULLMAKTIGE), "CREATE", "thing", "1", after={"x": 1})  # type: ignore[arg-type]
    assert len(session.added) == 1


def test_an_app_without_declarations_lists_nothing():
    auditor = Auditor(ProbeEvent, {})
    assert auditor.readable_types(app_with(auditor), principal(Role.REVISOR)) == []


def test_a_service_whose_declaration_names_no_operation_of_it_does_not_start():
    settings = ServiceSettings(database_url="sqlite+aiosqlite://", assertion_public_keys=TestKeys.generate().public_pem, environment="test")
    auditor = Auditor(ProbeEvent, {"thing": AuditReading("/things/{thing_id}")})
    with pytest.raises(RuntimeError, match="does not have"):
        create_service_app(name="probe", title="Probe", description="", settings=settings, routers=[], auditor=auditor)

"""Audit trail: every write records who, when, what, and the record before and after.

An audit event shows the object it describes, so it is read under that object's rules: each app
declares, for every kind of object it records, the operation that reads such an object and the
roles that read it in every state (`AuditReading`). A caller sees the events of a kind only
through one of those roles (declared on the reading operation as well: the trail never opens a
kind to more roles than the operation does), and its before and after only when one of those
roles' scopes covers the object's org unit. A kind without a declaration is refused when
recorded and never listed.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Index, String, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from styrkedjan_common.context import request_id_var
from styrkedjan_common.db import JSONType, SessionDep, UTCDateTime, new_id, utcnow
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, encode_cursor
from styrkedjan_common.identity import Principal, PrincipalKind, Role
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.scope import READS_EVERYTHING
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, api_routes, declared_roles


class AuditEventMixin:
    """Columns of the audit table; each app maps it onto its own declarative base."""

    __tablename__ = "audit_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    # person, client (an integration's machine client) or service (another service calling directly)
    actor_kind: Mapped[str] = mapped_column(String(20), default="person", server_default="person")
    request_id: Mapped[str | None] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    if TYPE_CHECKING:
        # The mapped class this mixin becomes part of takes its columns as keywords (DeclarativeBase's constructor).
        def __init__(self, **kw: Any) -> None: ...

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (Index("ix_audit_event_entity", "entity_type", "entity_id"), Index("ix_audit_event_occurred_at", "occurred_at"))


TRAIL_PATH = "/audit-events"
# Marks the trail's endpoint with its auditor, so that the auditor finds its place in an app.
_TRAIL_OF = "_styrkedjan_audit_trail_of"
# The whole municipality as an object's org unit: read with all of it in scope.
WHOLE_MUNICIPALITY = "*"


@dataclass(frozen=True, slots=True)
class AuditReading:
    """Who reads the audit events of one kind of object: whoever reads such an object in every
    state (drafts included), since its trail shows every state it went through.

    operation: the path template (below the app's prefix) of the GET operation that reads one
        such object; the kind's readers are its declared roles.
    roles: when the service's own rule narrows that operation's roles (drafts read by fewer
        roles than the decided object), those roles; they must be among the operation's.
    unit: where the object sits: None when it is read whatever its org unit, WHOLE_MUNICIPALITY
        when it belongs to the whole municipality (read with all of it in scope), or the field of
        the recorded snapshot naming its org unit (read where the caller's scope covers it).
        Outside that scope an event is listed without its before and after; a revisor reads
        every org unit.
    """

    operation: str
    roles: frozenset[Role] | None = None
    unit: str | None = None


class UndeclaredAuditType(RuntimeError):
    """An audit event of a kind whose readers the app did not declare."""


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_at: datetime
    actor_id: str
    actor_name: str
    actor_kind: PrincipalKind
    request_id: str | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    # True when the object sits outside the caller's scope: the event is shown without its content.
    content_withheld: bool = False


def _reader_roles(auditor: Auditor, app: FastAPI) -> dict[str, frozenset[Role]]:
    """Each declared kind's readers, from the roles its reading operation declares (the reading
    operations sit beside the app's audit trail). A declared operation the app does not have, or
    roles it refuses, are a mistake of the app's."""
    routes = api_routes(app)
    trails = [path for route, path in routes if getattr(route.endpoint, _TRAIL_OF, None) is auditor]
    if not trails:
        raise RuntimeError("this auditor's trail is not part of the app")
    prefix = trails[0].removesuffix(TRAIL_PATH)
    operations = {path: declared_roles(route) for route, path in routes if "GET" in (route.methods or ())}
    readers: dict[str, frozenset[Role]] = {}
    for entity_type, reading in auditor.readings.items():
        allowed = operations.get(prefix + reading.operation)
        if not allowed:
            raise RuntimeError(
                f"the audit events of {entity_type} are read as GET {prefix}{reading.operation}, which this app does not have"
            )
        roles = allowed if reading.roles is None else reading.roles
        if not roles <= allowed:
            wider = ", ".join(sorted(roles - allowed))
            raise RuntimeError(f"the audit events of {entity_type} would be read by {wider}, whom GET {prefix}{reading.operation} refuses")
        readers[entity_type] = roles
    return readers


def _in_scope(principal: Principal, reading: AuditReading, roles: frozenset[Role], event: AuditEventMixin) -> bool:
    """Whether the caller reads the object of the event where it sits (see AuditReading.unit)."""
    if reading.unit is None or principal.has_any_role(READS_EVERYTHING & roles):
        return True
    units = principal.scope_of(roles)
    if units is None:
        return True
    if reading.unit == WHOLE_MUNICIPALITY:
        return False
    # An object moved between org units is read where the caller's scope covers every place it was.
    snapshots = [snapshot for snapshot in (event.before, event.after) if snapshot is not None]
    return bool(snapshots) and all(str(snapshot.get(reading.unit)) in units for snapshot in snapshots)


class Auditor:
    def __init__(self, model: type[AuditEventMixin], readings: Mapping[str, AuditReading]) -> None:
        self.model = model
        self.readings = dict(readings)
        # Per app: the readers of each kind, taken from the app's operations once it is built.
        self._readers: weakref.WeakKeyDictionary[FastAPI, dict[str, frozenset[Role]]] = weakref.WeakKeyDictionary()

    def readers(self, app: FastAPI) -> dict[str, frozenset[Role]]:
        """The roles that read each declared kind's events in `app`, which includes this trail."""
        readers = self._readers.get(app)
        if readers is None:
            readers = self._readers[app] = _reader_roles(self, app)
        return readers

    def record(
        self,
        session: AsyncSession,
        actor: Principal,
        action: str,
        entity_type: str,
        entity_id: Any,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Add the event to the caller's transaction: it lands exactly when the write does."""
        if entity_type not in self.readings:
            # Nobody could ever read it: the app must say who reads such objects first.
            raise UndeclaredAuditType(f"the app does not declare who reads the audit events of {entity_type}")
        session.add(
            self.model(
                actor_id=actor.user_id,
                actor_name=actor.name,
                actor_kind=actor.kind.value,
                request_id=request_id_var.get(),
                action=action,
                entity_type=entity_type,
                entity_id=str(entity_id),
                before=before,
                after=after,
            )
        )

    def readable_types(self, app: FastAPI, principal: Principal) -> list[str]:
        """The kinds whose events the caller sees; a kind without declared readers is nobody's."""
        return sorted(entity_type for entity_type, roles in self.readers(app).items() if principal.has_any_role(roles))

    def to_read(self, app: FastAPI, principal: Principal, event: AuditEventMixin) -> AuditEventRead:
        read = AuditEventRead.model_validate(event)
        reading, roles = self.readings[event.entity_type], self.readers(app)[event.entity_type]
        if _in_scope(principal, reading, roles, event):
            return read
        return read.model_copy(update={"before": None, "after": None, "content_withheld": True})

    def router(self, tag: str = "audit") -> APIRouter:
        model = self.model
        router = APIRouter(tags=[tag], route_class=PolicyRoute)

        @router.get(
            TRAIL_PATH,
            response_model=Page[AuditEventRead],
            openapi_extra=allow(Role.REVISOR, Role.ADMIN),
            responses=problem_responses(422),
            summary="The audit trail of this service, newest first",
            description="Only the events of objects the caller reads; outside the caller's scope without before and after.",
        )
        async def list_audit_events(
            request: Request,
            session: SessionDep,
            caller: CallerDep,
            limit: LimitQuery = 50,
            cursor: CursorQuery = None,
            entity_type: str | None = None,
            entity_id: str | None = None,
        ) -> Page[AuditEventRead]:
            after = decode_cursor(cursor)
            position = cursor_values(after, at=datetime.fromisoformat, id=uuid.UUID) if after else None
            # Filtered in the query, so that pages stay full; a kind the caller does not read
            # answers exactly as a kind that has no events.
            readable = self.readable_types(request.app, caller)
            if entity_type:
                readable = [t for t in readable if t == entity_type]
            if not readable:
                return Page[AuditEventRead](items=[], next_cursor=None)
            query = select(model).where(model.entity_type.in_(readable))
            query = query.order_by(model.occurred_at.desc(), model.id.desc()).limit(limit + 1)
            if entity_id:
                query = query.where(model.entity_id == entity_id)
            if position:
                at, last_id = position
                query = query.where(or_(model.occurred_at < at, and_(model.occurred_at == at, model.id < last_id)))
            rows = list((await session.scalars(query)).all())
            next_cursor = None
            if len(rows) > limit:
                rows = rows[:limit]
                next_cursor = encode_cursor({"at": rows[-1].occurred_at.isoformat(), "id": str(rows[-1].id)})
            return Page[AuditEventRead](items=[self.to_read(request.app, caller, r) for r in rows], next_cursor=next_cursor)

        setattr(list_audit_events, _TRAIL_OF, self)
        return router

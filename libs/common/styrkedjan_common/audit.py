"""Audit trail: every write records who, when, what, and the record before and after."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Index, String, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from styrkedjan_common.context import request_id_var
from styrkedjan_common.db import JSONType, SessionDep, UTCDateTime, new_id, utcnow
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, encode_cursor
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import PolicyRoute, allow


class AuditEventMixin:
    """Columns of the audit table; each app maps it onto its own declarative base."""

    __tablename__ = "audit_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
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


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_at: datetime
    actor_id: str
    actor_name: str
    request_id: str | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class Auditor:
    def __init__(self, model: type[AuditEventMixin]) -> None:
        self.model = model

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
        session.add(
            self.model(
                actor_id=actor.user_id,
                actor_name=actor.name,
                request_id=request_id_var.get(),
                action=action,
                entity_type=entity_type,
                entity_id=str(entity_id),
                before=before,
                after=after,
            )
        )

    def router(self, tag: str = "audit") -> APIRouter:
        model = self.model
        router = APIRouter(tags=[tag], route_class=PolicyRoute)

        @router.get(
            "/audit-events",
            response_model=Page[AuditEventRead],
            openapi_extra=allow(Role.REVISOR, Role.ADMIN),
            responses=problem_responses(422),
            summary="The audit trail of this service, newest first",
        )
        async def list_audit_events(
            session: SessionDep,
            limit: LimitQuery = 50,
            cursor: CursorQuery = None,
            entity_type: str | None = None,
            entity_id: str | None = None,
        ) -> Page[AuditEventRead]:
            query = select(model).order_by(model.occurred_at.desc(), model.id.desc()).limit(limit + 1)
            if entity_type:
                query = query.where(model.entity_type == entity_type)
            if entity_id:
                query = query.where(model.entity_id == entity_id)
            after = decode_cursor(cursor)
            if after:
                at, last_id = cursor_values(after, at=datetime.fromisoformat, id=uuid.UUID)
                query = query.where(or_(model.occurred_at < at, and_(model.occurred_at == at, model.id < last_id)))
            rows = list((await session.scalars(query)).all())
            next_cursor = None
            if len(rows) > limit:
                rows = rows[:limit]
                next_cursor = encode_cursor({"at": rows[-1].occurred_at.isoformat(), "id": str(rows[-1].id)})
            return Page[AuditEventRead](items=[AuditEventRead.model_validate(r) for r in rows], next_cursor=next_cursor)

        return router

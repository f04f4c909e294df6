"""Idempotency keys: a client that retries a creating POST with the same `Idempotency-Key`
gets the first answer again instead of a duplicate."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from styrkedjan_common.db import JSONType, UTCDateTime, utcnow


class IdempotencyRecordMixin:
    """One key of one caller: the request it came with (a fingerprint of method, path and body)
    and, once answered, the answer. Each app maps it onto its own declarative base."""

    __tablename__ = "idempotency_record"

    actor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Null while the first request is still being answered.
    status: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[list[Any] | None] = mapped_column(JSONType)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    if TYPE_CHECKING:

        def __init__(self, **kw: Any) -> None: ...

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (Index("ix_idempotency_record_expires_at", "expires_at"),)

"""The goals service's own database: one declarative base, one audit table,
one table of idempotency keys."""

from styrkedjan_common.audit import AuditEventMixin, Auditor
from styrkedjan_common.db import Base, make_metadata
from styrkedjan_common.idempotency import IdempotencyRecordMixin


class GoalsBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class AuditEvent(AuditEventMixin, GoalsBase):
    pass


class IdempotencyRecord(IdempotencyRecordMixin, GoalsBase):
    pass


auditor = Auditor(AuditEvent)

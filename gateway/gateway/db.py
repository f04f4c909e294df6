from styrkedjan_common.audit import AuditEventMixin, Auditor
from styrkedjan_common.db import Base, make_metadata
from styrkedjan_common.idempotency import IdempotencyRecordMixin


class GatewayBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class AuditEvent(AuditEventMixin, GatewayBase):
    pass


class IdempotencyRecord(IdempotencyRecordMixin, GatewayBase):
    pass


auditor = Auditor(AuditEvent)

from styrkedjan_common.audit import AuditEventMixin, Auditor, AuditReading
from styrkedjan_common.db import Base, make_metadata
from styrkedjan_common.idempotency import IdempotencyRecordMixin


class GatewayBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class AuditEvent(AuditEventMixin, GatewayBase):
    pass


class IdempotencyRecord(IdempotencyRecordMixin, GatewayBase):
    pass


# Who reads the audit events of each kind of directory record: as the record itself is read.
AUDIT_READINGS = {
    "org_unit": AuditReading("/org-units/{unit_id}"),
    "user": AuditReading("/users/{user_id}"),
    "client": AuditReading("/clients/{client_id}"),
    "role_assignment": AuditReading("/users/{user_id}/role-assignments"),
}

auditor = Auditor(AuditEvent, AUDIT_READINGS)

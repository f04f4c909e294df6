"""The internal_control service's own database: one declarative base, one audit table."""

from styrkedjan_common.audit import AuditEventMixin, Auditor
from styrkedjan_common.db import Base, make_metadata


class InternalControlBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class AuditEvent(AuditEventMixin, InternalControlBase):
    pass


auditor = Auditor(AuditEvent)

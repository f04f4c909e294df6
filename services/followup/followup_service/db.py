"""The followup service's own database: one declarative base, one audit table,
one table of idempotency keys."""

from styrkedjan_common.audit import AuditEventMixin, Auditor, AuditReading
from styrkedjan_common.db import Base, make_metadata
from styrkedjan_common.idempotency import IdempotencyRecordMixin
from styrkedjan_common.org_units import DirectorySyncMixin, OrgUnitReplicaMixin


class FollowupBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class AuditEvent(AuditEventMixin, FollowupBase):
    pass


class IdempotencyRecord(IdempotencyRecordMixin, FollowupBase):
    pass


class ReplicatedOrgUnit(OrgUnitReplicaMixin, FollowupBase):
    """The directory's org units as this service holds them (styrkedjan_common.org_units)."""


class DirectorySync(DirectorySyncMixin, FollowupBase):
    pass


# The service records nothing yet: each kind it comes to record is declared here first (see AuditReading).
AUDIT_READINGS: dict[str, AuditReading] = {}

auditor = Auditor(AuditEvent, AUDIT_READINGS)

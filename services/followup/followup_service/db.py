"""The followup service's own database: one declarative base, one audit table,
one table of idempotency keys."""

from followup_service.analyses import audit as analyses_audit
from followup_service.compilation import audit as compilation_audit
from followup_service.cycle import audit as cycle_audit
from followup_service.dialogues import audit as dialogues_audit
from followup_service.reminders import audit as reminders_audit
from followup_service.reports import audit as reports_audit
from followup_service.scale import audit as scale_audit
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


# Who reads the audit events of each kind of object, declared beside each part's routes (see AuditReading).
AUDIT_READINGS: dict[str, AuditReading] = (
    cycle_audit.READINGS
    | reports_audit.READINGS
    | compilation_audit.READINGS
    | dialogues_audit.READINGS
    | analyses_audit.READINGS
    | reminders_audit.READINGS
    | scale_audit.READINGS
)

auditor = Auditor(AuditEvent, AUDIT_READINGS)

"""The internal_control service's own database: one declarative base, one audit table,
one table of idempotency keys."""

from styrkedjan_common.audit import AuditEventMixin, Auditor, AuditReading
from styrkedjan_common.db import Base, make_metadata
from styrkedjan_common.idempotency import IdempotencyRecordMixin
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import DirectorySyncMixin, OrgUnitReplicaMixin


class InternalControlBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class AuditEvent(AuditEventMixin, InternalControlBase):
    pass


class IdempotencyRecord(IdempotencyRecordMixin, InternalControlBase):
    pass


class ReplicatedOrgUnit(OrgUnitReplicaMixin, InternalControlBase):
    """The directory's org units as this service holds them (styrkedjan_common.org_units)."""


class DirectorySync(DirectorySyncMixin, InternalControlBase):
    pass


# Who reads the audit events of each kind of object: as the object itself is read (see AuditReading).
# A board's internal control is read in scope (styrkedjan_common.scope.can_read_unpublished, and
# for plans and their activities by the domain roles, plans.service.can_read_board) and by the
# auditors; the common controls the executive board imposes are open. A risk's and an action's
# snapshots name their assessment and deviation, not the board: only callers reading every
# board see their content.
_DOMAIN_AND_AUDITORS = frozenset({Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR})
_BOARD = "board_org_unit_id"
AUDIT_READINGS = {
    "risk_assessment": AuditReading("/risk-assessments/{assessment_id}", unit=_BOARD),
    "risk": AuditReading("/risks/{risk_id}", unit=_BOARD),
    "common_control": AuditReading("/common-controls/{common_control_id}"),
    "control_plan": AuditReading("/control-plans/{plan_id}", roles=_DOMAIN_AND_AUDITORS, unit=_BOARD),
    "control_activity": AuditReading("/control-activities/{activity_id}", roles=_DOMAIN_AND_AUDITORS, unit=_BOARD),
    "control_result": AuditReading("/control-activities/{activity_id}/results", unit=_BOARD),
    "deviation": AuditReading("/deviations/{deviation_id}", unit=_BOARD),
    "action": AuditReading("/actions/{action_id}", unit=_BOARD),
    "followup_report": AuditReading("/followup-reports/{report_id}", unit=_BOARD),
}

auditor = Auditor(AuditEvent, AUDIT_READINGS)

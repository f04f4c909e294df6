"""The goals service's own database: one declarative base, one audit table,
one table of idempotency keys."""

from styrkedjan_common.audit import AuditEventMixin, Auditor, AuditReading
from styrkedjan_common.db import Base, make_metadata
from styrkedjan_common.idempotency import IdempotencyRecordMixin
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import DirectorySyncMixin, OrgUnitReplicaMixin


class GoalsBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class AuditEvent(AuditEventMixin, GoalsBase):
    pass


class IdempotencyRecord(IdempotencyRecordMixin, GoalsBase):
    pass


class ReplicatedOrgUnit(OrgUnitReplicaMixin, GoalsBase):
    """The directory's org units as this service holds them (styrkedjan_common.org_units)."""


class DirectorySync(DirectorySyncMixin, GoalsBase):
    pass


# Who reads the audit events of each kind of object: as the object itself is read (see AuditReading).
# Drafts and proposals with an org unit are read in scope (styrkedjan_common.scope.can_read); the
# vision's drafts by the council and the auditors; the rest is open to every signed-in user.
AUDIT_READINGS = {
    "vision": AuditReading("/visions/{vision_id}", roles=frozenset({Role.FULLMAKTIGE, Role.REVISOR})),
    "mandate_period": AuditReading("/mandate-periods/{period_id}"),
    "core_mission": AuditReading("/core-missions/{mission_id}", unit="org_unit_id"),
    "goal": AuditReading("/goals/{goal_id}", unit="owner_org_unit_id"),
    "plan": AuditReading("/plans/{plan_id}", unit="org_unit_id"),
    "indicator": AuditReading("/indicators/{indicator_id}"),
    "indicator_use": AuditReading("/indicator-uses/{use_id}"),
    "indicator_target": AuditReading("/indicator-uses/{use_id}/targets/{year}"),
    "indicator_outcome": AuditReading("/indicator-uses/{use_id}/outcomes/{period}"),
    "quality_factor": AuditReading("/quality-factors/{factor_id}"),
    "kolada_peer_group": AuditReading("/kolada/peer-groups/{group_id}"),
    "focus_area": AuditReading("/focus-areas/{focus_area_id}"),
    "activity": AuditReading("/activities/{activity_id}"),
    "assignment": AuditReading("/assignments/{assignment_id}"),
    "assignment_report": AuditReading("/assignments/{assignment_id}/reports"),
    # An import or a sync recorded as one event with what it changed (a job), not one per value.
    "job": AuditReading("/jobs/{job_id}"),
}

auditor = Auditor(AuditEvent, AUDIT_READINGS)

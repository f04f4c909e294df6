"""Who reads the audit events of the kinds this part of the service records (see db.AUDIT_READINGS)."""

from styrkedjan_common.audit import AuditReading

# An analysis's trail shows its drafts: read where the caller's scope covers its org unit.
READINGS: dict[str, AuditReading] = {
    "situation_analysis": AuditReading("/situation-analyses/{analysis_id}", unit="org_unit_id"),
}

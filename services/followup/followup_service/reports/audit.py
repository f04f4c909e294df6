"""Who reads the audit events of the kinds this part of the service records (see db.AUDIT_READINGS)."""

from styrkedjan_common.audit import AuditReading

# A report's trail shows its drafts: read where the caller's scope covers the report's org unit.
READINGS: dict[str, AuditReading] = {
    "report": AuditReading("/reports/{report_id}", unit="org_unit_id"),
}

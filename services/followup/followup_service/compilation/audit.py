"""Who reads the audit events of the kinds this part of the service records (see db.AUDIT_READINGS)."""

from styrkedjan_common.audit import AuditReading

# A missing record names a board of the compilation, which its readers see whole.
READINGS: dict[str, AuditReading] = {"missing_report": AuditReading("/occasions/{occasion_id}/compilation")}

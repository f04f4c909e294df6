"""Who reads the audit events of the kinds this part of the service records (see db.AUDIT_READINGS)."""

from styrkedjan_common.audit import AuditReading

READINGS: dict[str, AuditReading] = {}

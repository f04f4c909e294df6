"""Who reads the audit events of the kinds this part of the service records (see db.AUDIT_READINGS)."""

from styrkedjan_common.audit import AuditReading

# A recipient's trail (who added or removed an address): read by its managers where their scope covers its unit.
READINGS: dict[str, AuditReading] = {
    "reminder_recipient": AuditReading("/reminder-recipients/{recipient_id}", unit="org_unit_id"),
}

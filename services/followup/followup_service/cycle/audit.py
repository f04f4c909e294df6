"""Who reads the audit events of the kinds this part of the service records (see db.AUDIT_READINGS):
the annual cycle and its occasions are read by every signed-in role, whatever the org unit."""

from styrkedjan_common.audit import AuditReading

CYCLE_STEP, OCCASION = "cycle_step", "occasion"

READINGS: dict[str, AuditReading] = {
    CYCLE_STEP: AuditReading("/cycles/{year}"),
    OCCASION: AuditReading("/occasions/{occasion_id}"),
}

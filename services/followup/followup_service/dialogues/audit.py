"""Who reads the audit events of the kinds this part of the service records (see db.AUDIT_READINGS)."""

from styrkedjan_common.audit import AuditReading

# Dialogues and their follow-ups are read in scope: their trails where the caller's scope covers the org unit.
READINGS: dict[str, AuditReading] = {
    "dialogue": AuditReading("/dialogues/{dialogue_id}", unit="org_unit_id"),
    "dialogue_followup": AuditReading("/dialogue-followups/{followup_id}", unit="org_unit_id"),
}

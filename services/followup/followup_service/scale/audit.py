"""Who reads the audit events of the kinds this part of the service records (see db.AUDIT_READINGS):
the assessment scale is read by every signed-in role."""

from styrkedjan_common.audit import AuditReading

ASSESSMENT_SCALE = "assessment_scale"
# The scale is one object: its audit events carry this id.
SCALE_ID = "assessment-scale"

READINGS: dict[str, AuditReading] = {ASSESSMENT_SCALE: AuditReading("/assessment-scale")}

"""The budget service's own database: one declarative base, one audit table,
one table of idempotency keys."""

from styrkedjan_common.audit import WHOLE_MUNICIPALITY, AuditEventMixin, Auditor, AuditReading
from styrkedjan_common.db import Base, make_metadata
from styrkedjan_common.idempotency import IdempotencyRecordMixin
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import DirectorySyncMixin, OrgUnitReplicaMixin


class BudgetBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class AuditEvent(AuditEventMixin, BudgetBase):
    pass


class IdempotencyRecord(IdempotencyRecordMixin, BudgetBase):
    pass


class ReplicatedOrgUnit(OrgUnitReplicaMixin, BudgetBase):
    """The directory's org units as this service holds them (styrkedjan_common.org_units)."""


class DirectorySync(DirectorySyncMixin, BudgetBase):
    pass


# Who reads the audit events of each kind of object: as the object itself is read (see AuditReading).
# The council's budget in draft is read by budget_service.budgets.service.DRAFT_READERS; an
# unadopted balance statement with the whole municipality in scope; the rest is open.
AUDIT_READINGS = {
    "budget": AuditReading("/budgets/{budget_id}", roles=frozenset({Role.FULLMAKTIGE, Role.REVISOR, Role.NAMND, Role.FORVALTNING})),
    "balance_statement": AuditReading("/balance-statements/{year}", unit=WHOLE_MUNICIPALITY),
    "restoration_obligation": AuditReading("/restoration-obligations/{obligation_id}"),
    "population_forecast": AuditReading("/population-forecasts"),
    "tax_forecast": AuditReading("/tax-forecasts"),
    "price_index": AuditReading("/price-indices"),
    "target_group": AuditReading("/target-groups/{target_group_id}"),
    "target_group_unit_cost": AuditReading("/target-groups/{target_group_id}/unit-costs/{budget_year}"),
    "model_run": AuditReading("/model-runs/{model_run_id}"),
    "activity_area": AuditReading("/activity-areas/{area_id}"),
    "cost_center": AuditReading("/cost-centers/{cost_center_id}"),
    "allocation_set": AuditReading("/allocations/{board_org_unit_id}/{year}"),
    "reallocation": AuditReading("/reallocations/{reallocation_id}"),
    "investment_project": AuditReading("/investment-projects/{project_id}"),
    "actuals_import": AuditReading("/actuals/imports/{import_id}"),
    "forecast": AuditReading("/forecasts/{board_org_unit_id}/{year}/{occasion}"),
}

auditor = Auditor(AuditEvent, AUDIT_READINGS)

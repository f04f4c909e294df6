"""Every mapped table of the service, imported so Alembic sees one complete metadata."""

from budget_service.actuals import models as actuals_models
from budget_service.allocation_model import models as allocation_model_models
from budget_service.allocations import models as allocations_models
from budget_service.assumptions import models as assumptions_models
from budget_service.balance import models as balance_models
from budget_service.budgets import models as budgets_models
from budget_service.db import AuditEvent, BudgetBase
from budget_service.investments import models as investments_models

metadata = BudgetBase.metadata
AREAS = (
    actuals_models,
    allocation_model_models,
    allocations_models,
    assumptions_models,
    balance_models,
    budgets_models,
    investments_models,
)
__all__ = ["AREAS", "AuditEvent", "metadata"]

"""The budget skeleton answers like every service: operational routes, schema and audit trail."""

from budget_service.main import create_app
from styrkedjan_common.testing import service_contract

TestBudgetService = service_contract(api="/api/budget/v1", create_app=create_app)

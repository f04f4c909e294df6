"""The goals service answers like every service: operational routes, schema and audit trail."""

from goals_service.main import create_app
from styrkedjan_common.testing import service_contract

TestGoalsService = service_contract(api="/api/goals/v1", create_app=create_app)

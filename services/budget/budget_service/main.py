from fastapi import FastAPI

from budget_service.actuals.router import router as actuals_router
from budget_service.allocation_model.router import router as allocation_model_router
from budget_service.allocation_model.router import target_groups_router
from budget_service.allocations.router import router as allocations_router
from budget_service.assumptions.router import router as assumptions_router
from budget_service.balance.router import router as balance_router
from budget_service.budgets.router import frames_router
from budget_service.budgets.router import router as budgets_router
from budget_service.db import auditor
from budget_service.investments.router import router as investments_router
from budget_service.settings import BudgetSettings, get_settings
from styrkedjan_common.app import create_service_app

DESCRIPTION = "Frames, allocation model, allocations, actuals, forecasts and the balance requirement."


def create_app(settings: BudgetSettings | None = None) -> FastAPI:
    return create_service_app(
        name="budget",
        title="Styrkedjan budget",
        description=DESCRIPTION,
        settings=settings or get_settings(),
        routers=[
            budgets_router,
            frames_router,
            assumptions_router,
            target_groups_router,
            allocation_model_router,
            allocations_router,
            investments_router,
            actuals_router,
            balance_router,
        ],
        auditor=auditor,
    )

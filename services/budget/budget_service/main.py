from fastapi import FastAPI

from budget_service.db import auditor
from budget_service.settings import BudgetSettings, get_settings
from styrkedjan_common.app import create_service_app

DESCRIPTION = "Frames, allocation model, allocations, actuals, forecasts and the balance requirement."


def create_app(settings: BudgetSettings | None = None) -> FastAPI:
    return create_service_app(
        name="budget",
        title="Styrkedjan budget",
        description=DESCRIPTION,
        settings=settings or get_settings(),
        routers=[],
        auditor=auditor,
    )

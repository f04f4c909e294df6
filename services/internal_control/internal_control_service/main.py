from fastapi import FastAPI

from internal_control_service.db import auditor
from internal_control_service.execution.router import router as execution_router
from internal_control_service.plans.router import router as plans_router
from internal_control_service.reports.router import router as reports_router
from internal_control_service.risks.router import router as risks_router
from internal_control_service.settings import InternalControlSettings, get_settings
from styrkedjan_common.app import create_service_app

DESCRIPTION = "Risk assessments, control plans, results, deviations and the executive board's evaluation."


def create_app(settings: InternalControlSettings | None = None) -> FastAPI:
    return create_service_app(
        name="internal-control",
        title="Styrkedjan internal control",
        description=DESCRIPTION,
        settings=settings or get_settings(),
        routers=[risks_router, plans_router, execution_router, reports_router],
        auditor=auditor,
    )

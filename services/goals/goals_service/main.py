from fastapi import FastAPI

from goals_service.db import auditor
from goals_service.settings import GoalsSettings, get_settings
from goals_service.vision.router import router as vision_router
from styrkedjan_common.app import create_service_app

DESCRIPTION = "Vision and core values, goals at every level, indicators, quality factors, activities and plans."


def create_app(settings: GoalsSettings | None = None) -> FastAPI:
    return create_service_app(
        name="goals",
        title="Styrkedjan goals",
        description=DESCRIPTION,
        settings=settings or get_settings(),
        routers=[vision_router],
        auditor=auditor,
    )

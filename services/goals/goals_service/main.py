from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from goals_service.activities.router import router as activities_router
from goals_service.assignments.router import router as assignments_router
from goals_service.db import auditor
from goals_service.goals.router import router as goals_router
from goals_service.indicators.router import router as indicators_router
from goals_service.jobs.router import router as jobs_router
from goals_service.kolada.router import router as kolada_router
from goals_service.kolada.worker import kolada_worker
from goals_service.missions.router import router as missions_router
from goals_service.periods.router import router as periods_router
from goals_service.plans.router import router as plans_router
from goals_service.quality.router import router as quality_router
from goals_service.sdg.router import router as sdg_router
from goals_service.settings import GoalsSettings, get_settings
from goals_service.stratsys.kpidata_router import router as stratsys_kpidata_router
from goals_service.stratsys.structure_router import router as stratsys_structure_router
from goals_service.thread.router import router as thread_router
from goals_service.vision.router import router as vision_router
from styrkedjan_common.app import create_service_app

DESCRIPTION = "Vision and core values, goals at every level, indicators, quality factors, activities and plans."


def create_app(settings: GoalsSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        name="goals",
        title="Styrkedjan goals",
        description=DESCRIPTION,
        settings=settings,
        routers=[
            vision_router,
            periods_router,
            missions_router,
            goals_router,
            indicators_router,
            kolada_router,
            quality_router,
            activities_router,
            plans_router,
            assignments_router,
            sdg_router,
            thread_router,
            jobs_router,
            stratsys_kpidata_router,
            stratsys_structure_router,
        ],
        auditor=auditor,
    )
    service_lifespan = app.router.lifespan_context
    resolved = settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The scheduled Kolada sync runs beside the app when it is enabled.
        async with service_lifespan(app), kolada_worker(app, resolved):
            try:
                yield
            finally:
                # The follow-up client of the structure file, made on first use (stratsys/structure_followup.py).
                followup = getattr(app.state, "followup_assessments", None)
                if followup is not None:
                    await followup.close()

    app.router.lifespan_context = lifespan
    return app

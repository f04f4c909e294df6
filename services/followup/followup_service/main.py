from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from followup_service.analyses.router import router as analyses_router
from followup_service.clients import build_callees
from followup_service.compilation.router import router as compilation_router
from followup_service.cycle.router import router as cycle_router
from followup_service.db import auditor
from followup_service.dialogues.router import router as dialogues_router
from followup_service.due.router import router as due_router
from followup_service.reminders.router import router as reminders_router
from followup_service.reminders.worker import outbox_worker
from followup_service.reports.router import router as reports_router
from followup_service.scale.router import router as scale_router
from followup_service.settings import FollowupSettings, get_settings
from followup_service.stratsys.router import router as stratsys_router
from styrkedjan_common.app import create_service_app

DESCRIPTION = "The annual cycle, follow-up reports, goal assessments, compilations and dialogues."


def create_app(settings: FollowupSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        name="followup",
        title="Styrkedjan follow-up",
        description=DESCRIPTION,
        settings=settings,
        routers=[
            cycle_router,
            scale_router,
            reports_router,
            compilation_router,
            dialogues_router,
            analyses_router,
            reminders_router,
            due_router,
            stratsys_router,
        ],
        auditor=auditor,
    )
    service_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The clients of goals, budget and internal control live as long as the process: their
        # connections are reused from call to call, and closed at shutdown.
        async with service_lifespan(app):
            app.state.callees = build_callees(settings, app.state.signer, app.state.metrics)
            try:
                # The outbox's SMTP worker runs beside the app when a server is configured.
                async with outbox_worker(app, settings):
                    yield
            finally:
                if app.state.callees is not None:
                    await app.state.callees.close()

    app.router.lifespan_context = lifespan
    return app

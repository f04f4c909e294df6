from fastapi import FastAPI

from followup_service.db import auditor
from followup_service.settings import FollowupSettings, get_settings
from styrkedjan_common.app import create_service_app

DESCRIPTION = "The annual cycle, follow-up reports, goal assessments, compilations and dialogues."


def create_app(settings: FollowupSettings | None = None) -> FastAPI:
    return create_service_app(
        name="followup",
        title="Styrkedjan follow-up",
        description=DESCRIPTION,
        settings=settings or get_settings(),
        routers=[],
        auditor=auditor,
    )

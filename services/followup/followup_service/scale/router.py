from fastapi import APIRouter, Request, Response

from followup_service.scale import service
from followup_service.scale.schemas import ScaleRead, ScaleWrite
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import require_if_match
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in

router = APIRouter(tags=["scale"], route_class=PolicyRoute)
READERS = allow_any_signed_in()
EDITORS = allow(*service.EDITORS)


@router.get("/assessment-scale", response_model=ScaleRead, openapi_extra=READERS)
async def get_assessment_scale(session: SessionDep, response: Response) -> ScaleRead:
    """The levels goals are assessed on at a follow-up, best first, with their colours; the
    styrmodell's default while none is stored."""
    scale, version = await service.read_scale(session)
    response.headers["ETag"] = version
    return scale


@router.put("/assessment-scale", response_model=ScaleRead, openapi_extra=EDITORS, responses=problem_responses(403, 409, 412, 422, 428))
async def replace_assessment_scale(
    data: ScaleWrite, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ScaleRead:
    """Replace the whole scale (2–7 levels, best first). A level some goal assessment uses
    cannot be removed. Requires If-Match with the ETag of the scale read."""
    _, version = await service.read_scale(session)
    require_if_match(request, version)
    await service.replace_scale(session, caller, data)
    scale, version = await service.read_scale(session)
    response.headers["ETag"] = version
    return scale

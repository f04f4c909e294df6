import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from followup_service.cycle import ical, repository, service, template
from followup_service.cycle.models import CycleStep, Occasion
from followup_service.cycle.schemas import CycleRead, CycleStepRead, CycleStepUpdate, CycleTemplateRead, OccasionRead, OccasionUpdate
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import etag, require_if_match
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import YearFilter, YearPath

router = APIRouter(tags=["cycle"], route_class=PolicyRoute)
READERS = allow_any_signed_in()
EDITORS = allow(*service.EDITORS)
CONDITIONAL = problem_responses(403, 404, 409, 412, 428, 422)
StepNumber = Annotated[int, Path(ge=min(template.STEP_NUMBERS), le=max(template.STEP_NUMBERS), description="The step's number (1–22)")]


def _with_etag(response: Response, row: CycleStep | Occasion) -> None:
    response.headers["ETag"] = etag(row.id, row.row_version)


@router.get("/cycle-template", response_model=CycleTemplateRead, openapi_extra=READERS)
async def get_cycle_template() -> CycleTemplateRead:
    """The default annual cycle (the styrmodell's 22 steps), the occasions' default dates and
    headings, and which calendar year each step of a year's cycle falls in."""
    return service.template_read()


@router.post(
    "/cycles/{year}",
    response_model=CycleRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=EDITORS,
    responses=problem_responses(403, 409, 422),
)
async def create_cycle(year: YearPath, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> CycleRead:
    """Make the cycle of verksamhetsår `year` from the template: its 22 steps with planned dates
    and its three follow-up occasions (FORECAST, INTERIM, ANNUAL) with their deadlines and headings."""
    cycle = await service.create_cycle(session, caller, year)
    response.headers["Location"] = request.url_for("get_cycle", year=year).path
    return cycle


@router.get("/cycles/{year}", response_model=CycleRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_cycle(year: YearPath, session: SessionDep) -> CycleRead:
    """The year's steps in order, each with its status (LATE when its planned end has passed and
    it is not done), and the year's occasions."""
    return await service.read_cycle(session, year)


@router.get("/cycles/{year}/steps/{number}", response_model=CycleStepRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_cycle_step(year: YearPath, number: StepNumber, session: SessionDep, response: Response) -> CycleStepRead:
    step = await service.get_step(session, year, number)
    _with_etag(response, step)
    return service.step_read(step)


@router.patch("/cycles/{year}/steps/{number}", response_model=CycleStepRead, openapi_extra=EDITORS, responses=CONDITIONAL)
async def update_cycle_step(
    year: YearPath, number: StepNumber, data: CycleStepUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> CycleStepRead:
    """Plan a step's dates, record how far it has come, reword it or add a note. Requires If-Match."""
    service.ensure_editor(caller)  # a refusal by role or scope comes before any precondition
    step = await service.get_step(session, year, number)
    require_if_match(request, etag(step.id, step.row_version))
    step = await service.update_step(session, caller, step, data)
    _with_etag(response, step)
    return service.step_read(step)


@router.get(
    "/cycles/{year}/calendar.ics",
    openapi_extra=READERS,
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "The year's cycle as iCalendar"}, **problem_responses(404, 422)},
)
async def get_cycle_calendar(year: YearPath, session: SessionDep) -> Response:
    """The year's cycle to subscribe to: an all-day event per step over its planned dates and one
    per occasion deadline per level; the events keep their UIDs when the dates move."""
    steps = await repository.steps_of_year(session, year)
    if not steps:
        await service.read_cycle(session, year)  # the 404 naming the year
    occasions = await repository.occasions(session, year)
    body = ical.cycle_calendar(year, steps, occasions)
    headers = {"Content-Disposition": f'inline; filename="arshjul-{year}.ics"'}
    return Response(content=body, media_type="text/calendar; charset=utf-8", headers=headers)


@router.get("/occasions", response_model=list[OccasionRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_occasions(session: SessionDep, year: YearFilter = None) -> list[OccasionRead]:
    """The follow-up occasions, in each year's order (at most three a year)."""
    return await service.list_occasions(session, year)


@router.get("/occasions/{occasion_id}", response_model=OccasionRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_occasion(occasion_id: uuid.UUID, session: SessionDep, response: Response) -> OccasionRead:
    occasion = await service.get_occasion(session, occasion_id)
    _with_etag(response, occasion)
    return (await service.occasion_reads(session, [occasion]))[0]


@router.patch("/occasions/{occasion_id}", response_model=OccasionRead, openapi_extra=EDITORS, responses=CONDITIONAL)
async def update_occasion(
    occasion_id: uuid.UUID, data: OccasionUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> OccasionRead:
    """Set the period end, the deadlines, the statutory flag or the headings. A date outside the
    styrmodell's defaults is allowed and answered with `warnings`. Requires If-Match."""
    service.ensure_editor(caller)
    occasion = await service.get_occasion(session, occasion_id)
    require_if_match(request, etag(occasion.id, occasion.row_version))
    occasion = await service.update_occasion(session, caller, occasion, data)
    _with_etag(response, occasion)
    return (await service.occasion_reads(session, [occasion]))[0]

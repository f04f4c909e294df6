from typing import Annotated

from fastapi import APIRouter

from goals_service.sdg import service
from goals_service.sdg.schemas import SdgOverviewRead, SdgRead
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, encode_cursor
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import PolicyRoute, allow_any_signed_in
from styrkedjan_common.years import year_query

router = APIRouter(prefix="", tags=["agenda-2030"], route_class=PolicyRoute)
READERS = allow_any_signed_in()


@router.get("/sdgs", response_model=Page[SdgRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_sdgs(limit: LimitQuery = 20, cursor: CursorQuery = None) -> Page[SdgRead]:
    """The 17 global goals of Agenda 2030 (globala målen) in order, with Swedish and English names
    and the UN's colours."""
    after = decode_cursor(cursor)
    after_number = cursor_values(after, number=int)[0] if after else None
    goals = service.page(limit + 1, after_number)
    next_cursor = encode_cursor({"number": goals[limit - 1].number}) if len(goals) > limit else None
    return Page[SdgRead](items=[service.to_read(goal) for goal in goals[:limit]], next_cursor=next_cursor)


# Before /sdgs/{number}, which would otherwise take "overview" for a number.
@router.get("/sdgs/overview", response_model=SdgOverviewRead, openapi_extra=READERS, responses=problem_responses(422))
async def get_sdg_overview(session: SessionDep, year: Annotated[int, year_query("The year goals are in force")]) -> SdgOverviewRead:
    """Every global goal with the municipality's decided goals in force that year that link to it
    (closed ones flagged), and how many indicators in use and activities that year carry it."""
    return await service.overview(session, year)


@router.get("/sdgs/{number}", response_model=SdgRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_sdg(number: int) -> SdgRead:
    """One global goal by its number, 1–17."""
    return service.to_read(service.get(number))

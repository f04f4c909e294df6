import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query

from followup_service.due import service
from followup_service.due.schemas import DueItem, DueList
from styrkedjan_common.db import SessionDep, utcnow
from styrkedjan_common.org_units import OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow

router = APIRouter(tags=["due"], route_class=PolicyRoute)


@router.get("/due", response_model=DueList, openapi_extra=allow(*service.DOMAIN_ROLES), responses=problem_responses(422))
async def what_is_due(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    within_days: Annotated[int, Query(ge=0, le=366, description="Look this many days ahead; what is late is always listed")] = 30,
) -> DueList:
    """What the caller has to do in its scope, soonest deadline first: reports to draft, submit,
    propose, revise or decide, dialogues to hold or evaluate, and the annual cycle's steps under
    way or late (the council and the auditors follow every step, the others those of their level)."""
    today = utcnow().date()
    items = await service.due_items(session, org_units, service.CallerAudience(caller), today, within_days)
    answer = DueList(as_of=today, within_days=within_days, items=[DueItem(**dataclasses.asdict(item)) for item in items])
    return org_units.with_names(answer)

"""The demo municipality's follow-up calendar: the annual cycles of this year and the next, made
from the template as the council would make them, so a fresh system has its occasions, deadlines
and calendar to show. The steps planned to end before today are done, on their planned end, as in
a municipality that has kept its calendar. Idempotent: a year that has its cycle is left as it is."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle import repository
from followup_service.cycle.schemas import CycleStepUpdate
from followup_service.cycle.service import create_cycle, today, update_step
from styrkedjan_common.identity import Assignment, Principal, Role

SEEDER = Principal(user_id="demo-seed", name="Demo seed", assignments=(Assignment(role=Role.FULLMAKTIGE, org_unit_id="root", scope=None),))


async def seed_demo(session: AsyncSession) -> list[int]:
    """The years whose cycle was made now."""
    made = []
    this_year = today().year
    for year in (this_year, this_year + 1):
        if not await repository.cycle_exists(session, year) and not await repository.occasion_exists(session, year):
            await create_cycle(session, SEEDER, year)
            for step in await repository.steps_of_year(session, year):  # in step order: step 11 before step 14
                if step.planned_end < today():
                    await update_step(session, SEEDER, step, CycleStepUpdate(status="DONE", done_on=step.planned_end))
            made.append(year)
    return made

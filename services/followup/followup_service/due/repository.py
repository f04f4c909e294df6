"""Every query of what is due: the occasions, the state of each org unit's report, the dialogues
not yet held or evaluated, and the cycle's steps under way. Read straight from the tables of the
cycle, the reports and the dialogues, a few columns each: the answer is computed in one pass."""

import datetime as dt
import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle.models import CycleStep, Occasion
from followup_service.dialogues.models import Dialogue
from followup_service.reports.models import Report
from styrkedjan_common.db import AnyRow


async def occasions_of(session: AsyncSession, years: Collection[int]) -> Sequence[Occasion]:
    return (await session.scalars(select(Occasion).where(Occasion.year.in_(years)).order_by(Occasion.period_end))).all()


async def report_revisions(session: AsyncSession, occasion_ids: Collection[uuid.UUID]) -> Sequence[AnyRow]:
    """Each revision of each report at the occasions: its id, occasion, org unit, level, status,
    revision and the comment it was returned with, if any."""
    if not occasion_ids:
        return []
    query = select(
        Report.id, Report.occasion_id, Report.org_unit_id, Report.level, Report.status, Report.revision, Report.returned_comment
    ).where(Report.occasion_id.in_(occasion_ids))
    return (await session.execute(query)).all()


async def open_dialogues(session: AsyncSession, *, planned_until: dt.date, units: Collection[uuid.UUID] | None) -> Sequence[AnyRow]:
    """Dialogues planned by `planned_until` and not yet held, and those held but not yet evaluated."""
    query = select(
        Dialogue.id, Dialogue.org_unit_id, Dialogue.occasion_id, Dialogue.title, Dialogue.status, Dialogue.planned_date, Dialogue.held_date
    ).where(
        or_(
            (Dialogue.status == "PLANNED") & (Dialogue.planned_date <= planned_until),
            Dialogue.status == "HELD",
        )
    )
    if units is not None:
        query = query.where(Dialogue.org_unit_id.in_(units))
    return (await session.execute(query)).all()


async def steps_under_way(session: AsyncSession, *, today: dt.date, years: Collection[int]) -> Sequence[AnyRow]:
    """The cycle's steps begun by today and not done: in progress, or late once their planned end has
    passed. A step taken only when needed counts once it is marked in progress."""
    query = select(
        CycleStep.id,
        CycleStep.year,
        CycleStep.number,
        CycleStep.name_sv,
        CycleStep.responsible_level,
        CycleStep.status,
        CycleStep.planned_end,
    ).where(
        CycleStep.year.in_(years),
        CycleStep.status != "DONE",
        or_(CycleStep.status == "IN_PROGRESS", (CycleStep.planned_start <= today) & CycleStep.conditional.is_(False)),
    )
    return (await session.execute(query.order_by(CycleStep.planned_end, CycleStep.number))).all()

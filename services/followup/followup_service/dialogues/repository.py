"""Every query of the dialogues and the follow-ups agreed in them."""

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle.models import CycleStep
from followup_service.dialogues.models import Dialogue, DialogueFollowup
from followup_service.reports.models import Report

Keyset = tuple[dt.datetime, uuid.UUID]
# A dialogue that took place: held, and perhaps evaluated since.
TOOK_PLACE = ("HELD", "EVALUATED")


async def find(session: AsyncSession, dialogue_id: uuid.UUID) -> Dialogue | None:
    return await session.get(Dialogue, dialogue_id)


async def find_followup(session: AsyncSession, followup_id: uuid.UUID) -> DialogueFollowup | None:
    return await session.get(DialogueFollowup, followup_id)


async def step_numbers_of(session: AsyncSession, year: int) -> set[int]:
    """The numbers of the year's cycle steps; empty while the year has no cycle."""
    return set((await session.scalars(select(CycleStep.number).where(CycleStep.year == year))).all())


async def list_dialogues(
    session: AsyncSession,
    *,
    year: int | None,
    occasion_id: uuid.UUID | None,
    org_unit_id: uuid.UUID | None,
    kind: str | None,
    status: str | None,
    units: Collection[uuid.UUID] | None,
    limit: int,
    after: Keyset | None,
) -> list[Dialogue]:
    """The dialogues matching the filters, of `units` only (None: of every org unit), oldest first."""
    query = select(Dialogue).order_by(Dialogue.created_at, Dialogue.id).limit(limit)
    if after is not None:
        at, last = after
        query = query.where(or_(Dialogue.created_at > at, and_(Dialogue.created_at == at, Dialogue.id > last)))
    if units is not None:
        query = query.where(Dialogue.org_unit_id.in_(units))
    for column, value in (
        (Dialogue.year, year),
        (Dialogue.occasion_id, occasion_id),
        (Dialogue.org_unit_id, org_unit_id),
        (Dialogue.kind, kind),
        (Dialogue.status, status),
    ):
        if value is not None:
            query = query.where(column == value)
    return list((await session.scalars(query)).all())


async def dialogues_of_occasion(
    session: AsyncSession, occasion_id: uuid.UUID, org_unit_id: uuid.UUID, statuses: Collection[str]
) -> list[Dialogue]:
    query = (
        select(Dialogue)
        .where(Dialogue.occasion_id == occasion_id, Dialogue.org_unit_id == org_unit_id, Dialogue.status.in_(statuses))
        .order_by(Dialogue.planned_date, Dialogue.id)
    )
    return list((await session.scalars(query)).all())


async def followups_of(session: AsyncSession, dialogue_ids: Collection[uuid.UUID]) -> list[DialogueFollowup]:
    if not dialogue_ids:
        return []
    query = (
        select(DialogueFollowup)
        .where(DialogueFollowup.dialogue_id.in_(dialogue_ids))
        .order_by(DialogueFollowup.due_date, DialogueFollowup.created_at, DialogueFollowup.id)
    )
    return list((await session.scalars(query)).all())


async def open_followups(
    session: AsyncSession, org_unit_ids: Collection[uuid.UUID], as_of: dt.date
) -> list[tuple[DialogueFollowup, Dialogue]]:
    """The follow-ups agreed in dialogues of these org units held by `as_of` and not done by then."""
    if not org_unit_ids:
        return []
    query = (
        select(DialogueFollowup, Dialogue)
        .join(Dialogue, Dialogue.id == DialogueFollowup.dialogue_id)
        .where(
            DialogueFollowup.org_unit_id.in_(org_unit_ids),
            Dialogue.held_date <= as_of,
            or_(DialogueFollowup.done_on.is_(None), DialogueFollowup.done_on > as_of),
        )
        .order_by(DialogueFollowup.due_date, DialogueFollowup.created_at, DialogueFollowup.id)
    )
    return [(followup, dialogue) for followup, dialogue in (await session.execute(query)).all()]


async def list_followups(
    session: AsyncSession,
    *,
    org_unit_id: uuid.UUID | None,
    dialogue_id: uuid.UUID | None,
    open_only: bool | None,
    units: Collection[uuid.UUID] | None,
    limit: int,
    after: Keyset | None,
) -> list[DialogueFollowup]:
    """Follow-ups of `units` only (None: of every org unit); `open_only` True: not done, False: done."""
    query = select(DialogueFollowup).order_by(DialogueFollowup.created_at, DialogueFollowup.id).limit(limit)
    if after is not None:
        at, last = after
        query = query.where(or_(DialogueFollowup.created_at > at, and_(DialogueFollowup.created_at == at, DialogueFollowup.id > last)))
    if units is not None:
        query = query.where(DialogueFollowup.org_unit_id.in_(units))
    if org_unit_id is not None:
        query = query.where(DialogueFollowup.org_unit_id == org_unit_id)
    if dialogue_id is not None:
        query = query.where(DialogueFollowup.dialogue_id == dialogue_id)
    if open_only is not None:
        query = query.where(DialogueFollowup.done_on.is_(None) if open_only else DialogueFollowup.done_on.is_not(None))
    return list((await session.scalars(query)).all())


async def reports_by_ids(session: AsyncSession, report_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Report]:
    """The follow-up reports among these ids (the basis a dialogue names)."""
    if not report_ids:
        return {}
    rows = (await session.scalars(select(Report).where(Report.id.in_(report_ids)))).all()
    return {report.id: report for report in rows}


async def count_followups(session: AsyncSession, dialogue_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(DialogueFollowup).where(DialogueFollowup.dialogue_id == dialogue_id)
    return await session.scalar(query) or 0

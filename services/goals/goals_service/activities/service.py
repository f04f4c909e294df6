"""Focus areas (fokusområden) and activities (aktiviteter): what an org unit does to reach its goals and
secure the quality of its core mission. Boards and administrations set focus areas; boards,
administrations and units plan activities and keep their status; everything is open to every signed-in user.
Links to goals name the goal's lineage, so they survive an amendment of the goal."""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.activities import repository
from goals_service.activities.models import Activity, FocusArea
from goals_service.activities.schemas import (
    ActivityCreate,
    ActivityRead,
    ActivityStatuses,
    ActivityUpdate,
    FocusAreaCreate,
    FocusAreaRead,
    FocusAreaUpdate,
)
from goals_service.db import auditor
from goals_service.quality import repository as quality_repository
from goals_service.settings import GoalsSettings
from goals_service.units import require_valid
from styrkedjan_common.db import utcnow
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import BOARD_LEVEL, OPERATIONS, OrgUnitReplica
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import can_read, ensure_can_write

FOCUS_AREA = "focus_area"
ACTIVITY = "activity"
FOCUS_AREA_WRITERS = (Role.NAMND, Role.FORVALTNING)
ACTIVITY_WRITERS = (Role.NAMND, Role.FORVALTNING, Role.ENHET)
# Focus areas and activities belong to the board's plan or to the operations' plans: a board (or
# a company, a federation), an administration or a unit below it; never the council.
OWNER_TYPES = BOARD_LEVEL | OPERATIONS


def _invalid(pointer: str, detail: str, summary: str | None = None) -> InvalidInput:
    return InvalidInput(summary or detail, errors=[{"pointer": pointer, "detail": detail}])


async def goal_lineages(session: AsyncSession, principal: Principal, goal_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The lineages of the goals named by the id of any revision. A goal the caller may not read
    (another unit's draft) is reported as unknown, like one that does not exist."""
    goals = await repository.goals_by_id(session, set(goal_ids))
    unknown = [
        {"pointer": f"#/goal_ids/{index}", "detail": f"no goal {goal_id}"}
        for index, goal_id in enumerate(goal_ids)
        if goal_id not in goals or not can_read(principal, goals[goal_id].status, goals[goal_id].owner_org_unit_id)
    ]
    if unknown:
        raise InvalidInput("a link names a goal that does not exist", errors=unknown)
    return sorted({goals[goal_id].lineage_id for goal_id in goal_ids})


# --- focus areas ------------------------------------------------------------------------------


def focus_area_read(area: FocusArea, goal_ids: Sequence[uuid.UUID]) -> FocusAreaRead:
    return FocusAreaRead(
        id=area.id,
        org_unit_id=area.org_unit_id,
        year=area.year,
        name=area.name,
        description=area.description,
        goal_ids=list(goal_ids),
        created_at=area.created_at,
        created_by=area.created_by,
        updated_at=area.updated_at,
        updated_by=area.updated_by,
        row_version=area.row_version,
    )


def _focus_area_snapshot(area: FocusArea, goal_ids: Sequence[uuid.UUID]) -> dict[str, Any]:
    return focus_area_read(area, goal_ids).model_dump(mode="json")


def ensure_focus_area_writer(principal: Principal, org_unit_id: uuid.UUID) -> None:
    ensure_can_write(principal, org_unit_id, FOCUS_AREA_WRITERS, "a focus area")


async def get_focus_area(session: AsyncSession, focus_area_id: uuid.UUID) -> FocusArea:
    area = await repository.get_focus_area(session, focus_area_id)
    if area is None:
        raise NotFound(f"no focus area {focus_area_id}")
    return area


async def get_writable_focus_area(session: AsyncSession, principal: Principal, focus_area_id: uuid.UUID) -> FocusArea:
    area = await get_focus_area(session, focus_area_id)
    ensure_focus_area_writer(principal, area.org_unit_id)
    return area


async def read_focus_areas(session: AsyncSession, areas: Sequence[FocusArea]) -> list[FocusAreaRead]:
    goals = await repository.focus_area_goals(session, [area.id for area in areas])
    return [focus_area_read(area, goals.get(area.id, [])) for area in areas]


async def _check_focus_area_unit(org_units: OrgUnitReplica, org_unit_id: uuid.UUID, year: int) -> None:
    """A focus area's unit is of the directory, valid today and in the focus area's year."""
    await require_valid(org_units, org_unit_id, pointer="#/org_unit_id", types=OWNER_TYPES, what="the org unit", years=(year, year))


async def create_focus_area(session: AsyncSession, principal: Principal, data: FocusAreaCreate, org_units: OrgUnitReplica) -> FocusAreaRead:
    ensure_focus_area_writer(principal, data.org_unit_id)
    await _check_focus_area_unit(org_units, data.org_unit_id, data.year)
    lineages = await goal_lineages(session, principal, data.goal_ids)
    area = FocusArea(**data.model_dump(exclude={"goal_ids"}), created_by=principal.user_id, updated_by=principal.user_id)
    session.add(area)
    await session.flush()
    await repository.replace_focus_area_goals(session, area.id, lineages)
    await session.flush()
    auditor.record(session, principal, "CREATE", FOCUS_AREA, area.id, after=_focus_area_snapshot(area, lineages))
    return focus_area_read(area, lineages)


async def update_focus_area(
    session: AsyncSession, principal: Principal, area: FocusArea, data: FocusAreaUpdate, org_units: OrgUnitReplica
) -> FocusAreaRead:
    changes = changes_of(data)
    if "org_unit_id" in changes:
        ensure_focus_area_writer(principal, changes["org_unit_id"])  # moving it needs the new unit in scope too
        if changes["org_unit_id"] != area.org_unit_id:
            await _check_focus_area_unit(org_units, changes["org_unit_id"], changes.get("year", area.year))
    current_goals = (await repository.focus_area_goals(session, [area.id])).get(area.id, [])
    if "goal_ids" in changes:
        changes["goal_ids"] = await goal_lineages(session, principal, changes["goal_ids"])
    current = {"goal_ids": current_goals} | {name: getattr(area, name) for name in changes if name != "goal_ids"}
    if all(current[name] == value for name, value in changes.items()):
        return focus_area_read(area, current_goals)  # nothing changes: no new row version, no audit event
    before = _focus_area_snapshot(area, current_goals)
    goals = changes.pop("goal_ids", current_goals)
    for name, value in changes.items():
        setattr(area, name, value)
    if goals != current_goals:
        await repository.replace_focus_area_goals(session, area.id, goals)
    # Set even when only the links change, so that the row version (the ETag) moves with them.
    area.updated_by, area.updated_at = principal.user_id, utcnow()
    await session.flush()
    auditor.record(session, principal, "UPDATE", FOCUS_AREA, area.id, before=before, after=_focus_area_snapshot(area, goals))
    return focus_area_read(area, goals)


async def delete_focus_area(session: AsyncSession, principal: Principal, area: FocusArea) -> None:
    activities = await repository.activities_in_focus_area(session, area.id)
    if activities:
        raise RuleViolation(
            f"a focus area with activities is not deleted: {activities} activity(ies) belong to it; move or delete them first"
        )
    goals = (await repository.focus_area_goals(session, [area.id])).get(area.id, [])
    before = _focus_area_snapshot(area, goals)
    await session.delete(area)
    await session.flush()
    auditor.record(session, principal, "DELETE", FOCUS_AREA, area.id, before=before)


# --- activities -------------------------------------------------------------------------------


def statuses(settings: GoalsSettings) -> ActivityStatuses:
    return ActivityStatuses(statuses=list(settings.activity_statuses), initial=settings.activity_statuses[0])


def check_status(status: str, settings: GoalsSettings, pointer: str = "#/status") -> None:
    if status not in settings.activity_statuses:
        allowed = ", ".join(settings.activity_statuses)
        raise _invalid(
            pointer, f"allowed statuses: {allowed}", f"an activity's status is one of the configured statuses ({allowed}); not {status}"
        )


def check_dates(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise _invalid("#/end_date", "must not be before start_date", f"an activity cannot end ({end}) before it starts ({start})")


def activity_read(activity: Activity, goal_ids: Sequence[uuid.UUID], quality_factor_ids: Sequence[uuid.UUID]) -> ActivityRead:
    return ActivityRead(
        id=activity.id,
        owner_org_unit_id=activity.owner_org_unit_id,
        focus_area_id=activity.focus_area_id,
        title=activity.title,
        description=activity.description,
        responsible=activity.responsible,
        start_date=activity.start_date,
        end_date=activity.end_date,
        status=activity.status,
        goal_ids=list(goal_ids),
        quality_factor_ids=list(quality_factor_ids),
        sdgs=activity.sdgs,
        external_codes=activity.external_codes,
        created_at=activity.created_at,
        created_by=activity.created_by,
        updated_at=activity.updated_at,
        updated_by=activity.updated_by,
        row_version=activity.row_version,
    )


def ensure_activity_writer(principal: Principal, owner_org_unit_id: uuid.UUID) -> None:
    ensure_can_write(principal, owner_org_unit_id, ACTIVITY_WRITERS, "an activity")


async def get_activity(session: AsyncSession, activity_id: uuid.UUID) -> Activity:
    activity = await repository.get_activity(session, activity_id)
    if activity is None:
        raise NotFound(f"no activity {activity_id}")
    return activity


async def get_writable_activity(session: AsyncSession, principal: Principal, activity_id: uuid.UUID) -> Activity:
    activity = await get_activity(session, activity_id)
    ensure_activity_writer(principal, activity.owner_org_unit_id)
    return activity


async def read_activities(session: AsyncSession, activities: Sequence[Activity]) -> list[ActivityRead]:
    links = await repository.activity_links(session, [activity.id for activity in activities])
    return [activity_read(a, links.goals.get(a.id, []), links.quality_factors.get(a.id, [])) for a in activities]


async def _check_focus_area(session: AsyncSession, focus_area_id: uuid.UUID | None) -> None:
    if focus_area_id is not None and await repository.get_focus_area(session, focus_area_id) is None:
        raise _invalid("#/focus_area_id", f"no focus area {focus_area_id}", "the activity's focus area does not exist")


async def _quality_factors(session: AsyncSession, factor_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    existing = await quality_repository.existing_ids(session, set(factor_ids))
    unknown = [
        {"pointer": f"#/quality_factor_ids/{index}", "detail": f"no quality factor {factor_id}"}
        for index, factor_id in enumerate(factor_ids)
        if factor_id not in existing
    ]
    if unknown:
        raise InvalidInput("a link names a quality factor that does not exist", errors=unknown)
    return sorted(set(factor_ids))


async def _check_owner(org_units: OrgUnitReplica, owner_org_unit_id: uuid.UUID, start: dt.date, end: dt.date) -> None:
    """An activity's owner is a unit of the directory, valid today and in the activity's years."""
    await require_valid(
        org_units, owner_org_unit_id, pointer="#/owner_org_unit_id", types=OWNER_TYPES, what="the owner", years=(start.year, end.year)
    )


async def create_activity(
    session: AsyncSession, principal: Principal, data: ActivityCreate, settings: GoalsSettings, org_units: OrgUnitReplica
) -> ActivityRead:
    ensure_activity_writer(principal, data.owner_org_unit_id)
    check_dates(data.start_date, data.end_date)
    await _check_owner(org_units, data.owner_org_unit_id, data.start_date, data.end_date)
    status = data.status or settings.activity_statuses[0]
    check_status(status, settings)
    await _check_focus_area(session, data.focus_area_id)
    goals = await goal_lineages(session, principal, data.goal_ids)
    factors = await _quality_factors(session, data.quality_factor_ids)
    activity = Activity(
        **data.model_dump(exclude={"status", "goal_ids", "quality_factor_ids", "sdgs"}),
        status=status,
        sdgs=sorted(set(data.sdgs)),
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(activity)
    await session.flush()
    await repository.replace_activity_goals(session, activity.id, goals)
    await repository.replace_activity_quality_factors(session, activity.id, factors)
    await session.flush()
    read = activity_read(activity, goals, factors)
    auditor.record(session, principal, "CREATE", ACTIVITY, activity.id, after=read.model_dump(mode="json"))
    return read


async def update_activity(
    session: AsyncSession,
    principal: Principal,
    activity: Activity,
    data: ActivityUpdate,
    settings: GoalsSettings,
    org_units: OrgUnitReplica,
) -> ActivityRead:
    changes = changes_of(data, nullable=frozenset({"focus_area_id"}))
    if "owner_org_unit_id" in changes:
        ensure_activity_writer(principal, changes["owner_org_unit_id"])  # moving it needs the new owner in scope too
    start, end = changes.get("start_date", activity.start_date), changes.get("end_date", activity.end_date)
    check_dates(start, end)
    if changes.get("owner_org_unit_id", activity.owner_org_unit_id) != activity.owner_org_unit_id:
        await _check_owner(org_units, changes["owner_org_unit_id"], start, end)
    if "status" in changes:
        check_status(changes["status"], settings)
    if "focus_area_id" in changes:
        await _check_focus_area(session, changes["focus_area_id"])
    if "goal_ids" in changes:
        changes["goal_ids"] = await goal_lineages(session, principal, changes["goal_ids"])
    if "quality_factor_ids" in changes:
        changes["quality_factor_ids"] = await _quality_factors(session, changes["quality_factor_ids"])
    if "sdgs" in changes:
        changes["sdgs"] = sorted(set(changes["sdgs"]))
    links = await repository.activity_links(session, [activity.id])
    before = activity_read(activity, links.goals.get(activity.id, []), links.quality_factors.get(activity.id, []))
    current = before.model_dump()
    if all(current[name] == value for name, value in changes.items()):
        return before  # nothing changes: no new row version, no audit event
    goals = changes.pop("goal_ids", before.goal_ids)
    factors = changes.pop("quality_factor_ids", before.quality_factor_ids)
    for name, value in changes.items():
        setattr(activity, name, value)
    if goals != before.goal_ids:
        await repository.replace_activity_goals(session, activity.id, goals)
    if factors != before.quality_factor_ids:
        await repository.replace_activity_quality_factors(session, activity.id, factors)
    # Set even when only the links change, so that the row version (the ETag) moves with them.
    activity.updated_by, activity.updated_at = principal.user_id, utcnow()
    await session.flush()
    after = activity_read(activity, goals, factors)
    auditor.record(
        session, principal, "UPDATE", ACTIVITY, activity.id, before=before.model_dump(mode="json"), after=after.model_dump(mode="json")
    )
    return after


async def delete_activity(session: AsyncSession, principal: Principal, activity: Activity) -> None:
    links = await repository.activity_links(session, [activity.id])
    before = activity_read(activity, links.goals.get(activity.id, []), links.quality_factors.get(activity.id, []))
    await session.delete(activity)  # its goal and quality-factor links go with it (ON DELETE CASCADE)
    await session.flush()
    auditor.record(session, principal, "DELETE", ACTIVITY, activity.id, before=before.model_dump(mode="json"))

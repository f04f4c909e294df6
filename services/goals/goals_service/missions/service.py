"""The core mission's rules: each board or company has one mission in force, drafted by the board
and its administration, decided by the board (or the council), changed only by a new revision."""

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.db import auditor
from goals_service.missions import repository
from goals_service.missions.models import CoreMission
from goals_service.missions.schemas import CoreMissionContent, CoreMissionCreate, CoreMissionRead, CoreMissionUpdate
from goals_service.units import require_valid
from styrkedjan_common import scope as access
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision, Status, Transition, apply_transition, ensure_draft
from styrkedjan_common.org_units import BOARD_LEVEL, OrgUnitReplica
from styrkedjan_common.problems import NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of

ENTITY = "core_mission"
WHAT = "a core mission"
DRAFTERS = (Role.NAMND, Role.FORVALTNING)
DECIDERS = (Role.NAMND, Role.FULLMAKTIGE)
# Who may take each lifecycle step: the drafters propose; a proposal goes back to draft from
# either side of the table; the deciding body decides and archives.
STEP_ROLES: dict[Transition, tuple[Role, ...]] = {
    Transition.PROPOSE: DRAFTERS,
    Transition.RETURN_TO_DRAFT: (*DRAFTERS, Role.FULLMAKTIGE),
    Transition.DECIDE: DECIDERS,
    Transition.ARCHIVE: DECIDERS,
}


def to_read(mission: CoreMission) -> CoreMissionRead:
    return CoreMissionRead(
        id=mission.id,
        org_unit_id=mission.org_unit_id,
        revision=mission.revision,
        replaces_id=mission.replaces_id,
        status=Status(mission.status),
        decision=mission.decision(),
        idea_and_responsibilities=mission.idea_and_responsibilities,
        target_groups=mission.target_groups,
        legislation=mission.legislation,
        steering_documents=mission.steering_documents,
        created_at=mission.created_at,
        created_by=mission.created_by,
        updated_at=mission.updated_at,
        updated_by=mission.updated_by,
        row_version=mission.row_version,
    )


def snapshot(mission: CoreMission) -> dict[str, Any]:
    return to_read(mission).model_dump(mode="json")


def ensure_writer(principal: Principal, org_unit_id: uuid.UUID, step: Transition | None = None) -> None:
    """May the caller draft the org unit's core mission, or take `step` in its lifecycle?"""
    if step is None:
        access.ensure_can_write(principal, org_unit_id, DRAFTERS, WHAT)
    else:
        access.ensure_can_write(principal, org_unit_id, STEP_ROLES[step], f"the {step.value} step of {WHAT}")


async def get_readable(session: AsyncSession, principal: Principal, mission_id: uuid.UUID) -> CoreMission:
    mission = await repository.get(session, mission_id)
    if mission is None or not access.can_read(principal, mission.status, mission.org_unit_id):
        raise NotFound(f"no core mission {mission_id}")
    return mission


async def read_current(session: AsyncSession, org_unit_id: uuid.UUID) -> CoreMission:
    mission = await repository.in_force(session, org_unit_id)
    if mission is None:
        raise NotFound(f"org unit {org_unit_id} has no decided core mission")
    return mission


async def list_page(
    session: AsyncSession,
    principal: Principal,
    *,
    org_unit_ids: Collection[uuid.UUID] | None,
    status: Status | None,
    limit: int,
    after: tuple[uuid.UUID, int] | None,
) -> list[CoreMission]:
    return await repository.list_page(
        session, unpublished_units=access.readable_unit_ids(principal), org_unit_ids=org_unit_ids, status=status, limit=limit, after=after
    )


async def create(session: AsyncSession, principal: Principal, data: CoreMissionCreate, org_units: OrgUnitReplica) -> CoreMission:
    """A new draft revision for the org unit; once decided it replaces the mission in force."""
    ensure_writer(principal, data.org_unit_id)
    await _check_org_unit(org_units, data.org_unit_id)
    return await _create(session, principal, data)


async def _check_org_unit(org_units: OrgUnitReplica, org_unit_id: uuid.UUID) -> None:
    """A core mission is a board's or a company's (or a federation's): a unit of the directory valid today."""
    await require_valid(org_units, org_unit_id, pointer="#/org_unit_id", types=BOARD_LEVEL, what="the board")


async def _create(session: AsyncSession, principal: Principal, data: CoreMissionCreate) -> CoreMission:
    open_revision = await repository.open_revision(session, data.org_unit_id)
    if open_revision is not None:
        raise RuleViolation(
            f"one core-mission revision per org unit is prepared at a time: revision {open_revision.revision} is still {open_revision.status}"
        )
    replaces = await repository.in_force(session, data.org_unit_id)
    mission = CoreMission(
        org_unit_id=data.org_unit_id,
        revision=await repository.max_revision(session, data.org_unit_id) + 1,
        replaces_id=replaces.id if replaces else None,
        status=Status.DRAFT.value,
        idea_and_responsibilities=data.idea_and_responsibilities,
        target_groups=data.target_groups,
        legislation=data.legislation,
        steering_documents=[document.model_dump() for document in data.steering_documents],
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(mission)
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, mission.id, after=snapshot(mission))
    return mission


async def new_revision(session: AsyncSession, principal: Principal, source_id: uuid.UUID) -> CoreMission:
    """Start an amendment (ändringsbeslut): a draft copying the decided mission."""
    source = await get_readable(session, principal, source_id)
    ensure_writer(principal, source.org_unit_id)
    if Status(source.status) != Status.DECIDED:
        raise RuleViolation("a new revision starts from the decided core mission in force")
    content = CoreMissionContent.model_validate(source, from_attributes=True)
    return await _create(session, principal, CoreMissionCreate(org_unit_id=source.org_unit_id, **content.model_dump()))


async def update(session: AsyncSession, principal: Principal, mission: CoreMission, data: CoreMissionUpdate) -> CoreMission:
    ensure_writer(principal, mission.org_unit_id)
    ensure_draft(mission)
    changes = changes_of(data)
    current = CoreMissionContent.model_validate(mission, from_attributes=True).model_dump()
    if all(current[name] == value for name, value in changes.items()):
        return mission  # nothing changes: no new row version, no audit event
    before = snapshot(mission)
    merged = CoreMissionContent.model_validate(current | changes)
    mission.idea_and_responsibilities = merged.idea_and_responsibilities
    mission.target_groups = merged.target_groups
    mission.legislation = merged.legislation
    mission.steering_documents = [document.model_dump() for document in merged.steering_documents]
    mission.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", ENTITY, mission.id, before=before, after=snapshot(mission))
    return mission


async def transition(
    session: AsyncSession, principal: Principal, mission: CoreMission, step: Transition, decision: Decision | None = None
) -> CoreMission:
    ensure_writer(principal, mission.org_unit_id, step)
    superseded = await repository.in_force(session, mission.org_unit_id) if step == Transition.DECIDE else None
    return await apply_transition(
        session, auditor, principal, mission, step, decision, entity=ENTITY, snapshot=snapshot, superseded=superseded
    )


async def delete(session: AsyncSession, principal: Principal, mission: CoreMission) -> None:
    ensure_writer(principal, mission.org_unit_id)
    if Status(mission.status) != Status.DRAFT:
        raise RuleViolation("only a draft can be deleted; decided core missions are kept for the record")
    before = snapshot(mission)
    await session.delete(mission)
    await session.flush()
    auditor.record(session, principal, "DELETE", ENTITY, mission.id, before=before)

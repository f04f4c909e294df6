"""The vision's rules: one vision for the municipality, written by the council, decided through the lifecycle."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.db import auditor
from goals_service.settings import GoalsSettings
from goals_service.vision import repository
from goals_service.vision.models import VisionVersion
from goals_service.vision.schemas import VisionContent, VisionCreate, VisionRead, VisionUpdate
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision, Status, Transition, apply_transition, ensure_draft
from styrkedjan_common.problems import Forbidden, InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of

ENTITY = "vision"
PUBLISHED = (Status.DECIDED, Status.ARCHIVED)
ALL_STATUSES = tuple(Status)


def to_read(version: VisionVersion) -> VisionRead:
    return VisionRead(
        id=version.id,
        revision=version.revision,
        replaces_id=version.replaces_id,
        status=Status(version.status),
        decision=version.decision(),
        horizon_start_year=version.horizon_start_year,
        horizon_end_year=version.horizon_end_year,
        text=version.text,
        core_values=version.core_values,
        created_at=version.created_at,
        created_by=version.created_by,
        updated_at=version.updated_at,
        updated_by=version.updated_by,
        row_version=version.row_version,
    )


def snapshot(version: VisionVersion) -> dict[str, Any]:
    return to_read(version).model_dump(mode="json")


def readable_statuses(principal: Principal) -> tuple[Status, ...]:
    """Decided material is open to every signed-in user; drafts to the council and the auditors."""
    if principal.has_any_role({Role.FULLMAKTIGE, Role.REVISOR}):
        return ALL_STATUSES
    return PUBLISHED


def ensure_writer(principal: Principal) -> None:
    # The vision belongs to the whole municipality: the writer's scope must be all of it.
    if principal.scope_of((Role.FULLMAKTIGE,)) is not None:
        raise Forbidden("the vision is written by fullmaktige with the whole municipality in scope")


def check_horizon(content: VisionContent, settings: GoalsSettings) -> None:
    years = content.horizon_end_year - content.horizon_start_year + 1
    low, high = settings.vision_horizon_min_years, settings.vision_horizon_max_years
    if not low <= years <= high:
        raise InvalidInput(
            f"a vision has a {low}–{high} year perspective; this one spans {years} years",
            errors=[{"pointer": "#/horizon_end_year", "detail": f"the horizon must span {low}–{high} years"}],
        )


def _visible(version: VisionVersion | None, principal: Principal, vision_id: uuid.UUID) -> VisionVersion:
    if version is None or Status(version.status) not in readable_statuses(principal):
        raise NotFound(f"no vision version {vision_id}")
    return version


async def get_readable(session: AsyncSession, principal: Principal, vision_id: uuid.UUID) -> VisionVersion:
    return _visible(await repository.get(session, vision_id), principal, vision_id)


async def read_current(session: AsyncSession) -> VisionVersion:
    version = await repository.first_in_status(session, (Status.DECIDED,))
    if version is None:
        raise NotFound("the municipality has no decided vision yet")
    return version


async def create(session: AsyncSession, principal: Principal, data: VisionCreate, settings: GoalsSettings) -> VisionVersion:
    ensure_writer(principal)
    check_horizon(data, settings)
    open_version = await repository.first_in_status(session, (Status.DRAFT, Status.PROPOSED))
    if open_version is not None:
        raise RuleViolation(f"one vision revision is prepared at a time: revision {open_version.revision} is still {open_version.status}")
    replaces = await repository.first_in_status(session, (Status.DECIDED,))
    version = VisionVersion(
        revision=await repository.max_revision(session) + 1,
        replaces_id=replaces.id if replaces else None,
        status=Status.DRAFT.value,
        horizon_start_year=data.horizon_start_year,
        horizon_end_year=data.horizon_end_year,
        text=data.text,
        core_values=[value.model_dump() for value in data.core_values],
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(version)
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, version.id, after=snapshot(version))
    return version


async def new_revision(session: AsyncSession, principal: Principal, source_id: uuid.UUID, settings: GoalsSettings) -> VisionVersion:
    """Start an amendment (ändringsbeslut): a draft copying a decided version."""
    source = await get_readable(session, principal, source_id)
    if Status(source.status) != Status.DECIDED:
        raise RuleViolation("a new revision starts from the decided vision in force")
    content = VisionCreate(
        horizon_start_year=source.horizon_start_year,
        horizon_end_year=source.horizon_end_year,
        text=source.text,
        core_values=source.core_values,
    )
    return await create(session, principal, content, settings)


async def update(
    session: AsyncSession, principal: Principal, version: VisionVersion, data: VisionUpdate, settings: GoalsSettings
) -> VisionVersion:
    ensure_writer(principal)
    ensure_draft(version)
    before = snapshot(version)
    changes = changes_of(data)
    current = VisionContent.model_validate(version, from_attributes=True).model_dump()
    if all(current[name] == value for name, value in changes.items()):
        return version  # nothing changes: no new row version, no audit event
    merged = VisionContent.model_validate(current | changes)
    check_horizon(merged, settings)
    version.horizon_start_year = merged.horizon_start_year
    version.horizon_end_year = merged.horizon_end_year
    version.text = merged.text
    version.core_values = [value.model_dump() for value in merged.core_values]
    version.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", ENTITY, version.id, before=before, after=snapshot(version))
    return version


async def transition(
    session: AsyncSession,
    principal: Principal,
    version: VisionVersion,
    step: Transition,
    decision: Decision | None = None,
) -> VisionVersion:
    ensure_writer(principal)
    superseded = await repository.first_in_status(session, (Status.DECIDED,)) if step == Transition.DECIDE else None
    return await apply_transition(
        session, auditor, principal, version, step, decision, entity=ENTITY, snapshot=snapshot, superseded=superseded
    )


async def delete(session: AsyncSession, principal: Principal, version: VisionVersion) -> None:
    ensure_writer(principal)
    if Status(version.status) != Status.DRAFT:
        raise RuleViolation("only a draft can be deleted; decided versions are kept for the record")
    before = snapshot(version)
    await session.delete(version)
    await session.flush()
    auditor.record(session, principal, "DELETE", ENTITY, version.id, before=before)

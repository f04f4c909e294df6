"""Goals at three levels (the seed's "Målstyrning"): municipal goals of the council per mandate
period, board goals, and unit goals of the operational plans. Each goal is time-bound, serves
goals of the level above, and is decided through the lifecycle; a change is a new revision."""

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.db import auditor
from goals_service.goals import repository
from goals_service.goals.models import Goal
from goals_service.goals.repository import GoalFilter
from goals_service.goals.schemas import (
    ClosureReason,
    GoalClosure,
    GoalClosureRead,
    GoalContent,
    GoalCreate,
    GoalLevel,
    GoalRead,
    GoalUpdate,
    Perspective,
    YearTargetRead,
)
from goals_service.periods import repository as periods_repository
from goals_service.settings import GoalsSettings
from goals_service.units import require_valid
from styrkedjan_common.db import lock_for_rule, new_id, utcnow
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision, Status, Transition, apply_transition, ensure_draft, ensure_step
from styrkedjan_common.org_units import BOARD_LEVEL, OPERATIONS, OrgUnitReplica, OrgUnitType
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import can_read, ensure_can_write, readable_unit_ids

ENTITY = "goal"
LABELS = {GoalLevel.MUNICIPAL: "a municipal goal", GoalLevel.BOARD: "a board goal", GoalLevel.UNIT: "a unit goal"}
# Domain roles: the council writes and decides its goals; a board's goals are drafted by the
# board or its administration and decided by the board; unit goals belong to the operational plans.
WRITERS = {
    GoalLevel.MUNICIPAL: (Role.FULLMAKTIGE,),
    GoalLevel.BOARD: (Role.NAMND, Role.FORVALTNING),
    GoalLevel.UNIT: (Role.FORVALTNING, Role.ENHET),
}
DECIDERS = {
    GoalLevel.MUNICIPAL: (Role.FULLMAKTIGE,),
    GoalLevel.BOARD: (Role.NAMND,),
    GoalLevel.UNIT: (Role.FORVALTNING, Role.ENHET),
}
# The röd tråd: which levels a goal serves.
PARENT_LEVELS = {
    GoalLevel.MUNICIPAL: frozenset[GoalLevel](),
    GoalLevel.BOARD: frozenset({GoalLevel.MUNICIPAL}),
    GoalLevel.UNIT: frozenset({GoalLevel.BOARD, GoalLevel.UNIT}),
}
# Whose goals each level holds: the council's, a board's (or a company's, a federation's), an
# administration's or a unit's below it.
OWNER_TYPES = {
    GoalLevel.MUNICIPAL: frozenset({OrgUnitType.COUNCIL}),
    GoalLevel.BOARD: BOARD_LEVEL,
    GoalLevel.UNIT: OPERATIONS,
}
OWNER_WHAT = {GoalLevel.MUNICIPAL: "the council", GoalLevel.BOARD: "the board", GoalLevel.UNIT: "the unit"}
PARENTS_TEXT = {GoalLevel.MUNICIPAL: "no other goal", GoalLevel.BOARD: "municipal goals", GoalLevel.UNIT: "board or unit goals"}
CONTENT_FIELDS = set(GoalContent.model_fields)  # a set, the type model_dump's include= takes


@dataclass(frozen=True)
class Parts:
    """What a goal's read needs besides its own row."""

    contributes_to: list[uuid.UUID]
    year_targets: list[tuple[int, str]]
    indicator_count: int


# --- reading ------------------------------------------------------------------------------


def to_read(goal: Goal, parts: Parts) -> GoalRead:
    closure = None
    if goal.closed_at is not None:
        assert goal.closed_reason is not None  # closing a goal sets its time and its reason together
        closure = GoalClosureRead(
            closed_at=goal.closed_at,
            closed_by=goal.closed_by or "",
            reason=ClosureReason(goal.closed_reason),
            comment=goal.closing_comment or "",
        )
    return GoalRead(
        id=goal.id,
        lineage_id=goal.lineage_id,
        revision=goal.revision,
        replaces_id=goal.replaces_id,
        status=Status(goal.status),
        decision=goal.decision(),
        closure=closure,
        level=GoalLevel(goal.level),
        owner_org_unit_id=goal.owner_org_unit_id,
        mandate_period_id=goal.mandate_period_id,
        start_year=goal.start_year,
        end_year=goal.end_year,
        title=goal.title,
        intent=goal.intent,
        perspective=Perspective(goal.perspective),
        contributes_to=parts.contributes_to,
        sdgs=goal.sdgs,
        year_targets=[YearTargetRead(year=year, target_level=level) for year, level in parts.year_targets],
        external_codes=goal.external_codes,
        indicator_count=parts.indicator_count,
        created_at=goal.created_at,
        created_by=goal.created_by,
        updated_at=goal.updated_at,
        updated_by=goal.updated_by,
        row_version=goal.row_version,
    )


async def parts_of(session: AsyncSession, goals: Collection[Goal]) -> dict[uuid.UUID, Parts]:
    """Links, year targets and indicator counts of many goals in three queries."""
    ids = [g.id for g in goals]
    if not ids:
        return {}
    links = await repository.links_of(session, ids)
    targets = await repository.year_targets_of(session, ids)
    counts = await repository.indicator_counts(session, {g.lineage_id for g in goals})
    return {g.id: Parts(links.get(g.id, []), targets.get(g.id, []), counts.get(g.lineage_id, 0)) for g in goals}


async def read_many(session: AsyncSession, goals: Sequence[Goal]) -> list[GoalRead]:
    parts = await parts_of(session, goals)
    return [to_read(g, parts[g.id]) for g in goals]


async def read_one(session: AsyncSession, goal: Goal) -> GoalRead:
    return (await read_many(session, [goal]))[0]


async def get_readable(session: AsyncSession, principal: Principal, goal_id: uuid.UUID) -> Goal:
    goal = await repository.get(session, goal_id)
    if goal is None or not can_read(principal, goal.status, goal.owner_org_unit_id):
        raise NotFound(f"no goal {goal_id}")
    return goal


async def list_page(
    session: AsyncSession, principal: Principal, where: GoalFilter, limit: int, after: tuple[dt.datetime, uuid.UUID] | None
) -> list[Goal]:
    return await repository.list_page(session, replace(where, unpublished_units=readable_unit_ids(principal)), limit, after)


async def revisions_page(
    session: AsyncSession, principal: Principal, goal_id: uuid.UUID, limit: int, after_revision: int | None
) -> list[Goal]:
    goal = await get_readable(session, principal, goal_id)
    return await repository.lineage_page(session, goal.lineage_id, readable_unit_ids(principal), limit, after_revision)


# --- who may --------------------------------------------------------------------------------


def ensure_may_write(principal: Principal, level: GoalLevel, owner: uuid.UUID) -> None:
    ensure_can_write(principal, owner, WRITERS[level], LABELS[level])


def ensure_may_decide(principal: Principal, level: GoalLevel, owner: uuid.UUID) -> None:
    ensure_can_write(principal, owner, DECIDERS[level], f"the decision on {LABELS[level]}")


# --- rules ----------------------------------------------------------------------------------


async def _check_content(session: AsyncSession, level: GoalLevel, content: GoalContent) -> None:
    """Time bounds, mandate period and year targets: every goal is time-bound (422 with pointers)."""
    if content.end_year < content.start_year:
        raise InvalidInput(
            "a goal is time-bound: it ends in or after the year it starts",
            errors=[{"pointer": "#/end_year", "detail": f"must be {content.start_year} or later"}],
        )
    if content.mandate_period_id is None:
        if level == GoalLevel.MUNICIPAL:
            raise InvalidInput(
                "a municipal goal belongs to a mandate period",
                errors=[{"pointer": "#/mandate_period_id", "detail": "required for a municipal goal"}],
            )
    else:
        period = await periods_repository.get(session, content.mandate_period_id)
        if period is None:
            raise InvalidInput(
                f"no mandate period {content.mandate_period_id}",
                errors=[{"pointer": "#/mandate_period_id", "detail": "no such mandate period"}],
            )
        outside = [
            {"pointer": f"#/{name}", "detail": f"must lie within {period.start_year}–{period.end_year}"}
            for name, year in (("start_year", content.start_year), ("end_year", content.end_year))
            if not period.start_year <= year <= period.end_year
        ]
        if outside:
            raise InvalidInput(f"a goal of a mandate period lies within its years ({period.name})", errors=outside)
    misplaced = [
        {"pointer": f"#/year_targets/{i}/year", "detail": f"must lie within {content.start_year}–{content.end_year}"}
        for i, target in enumerate(content.year_targets)
        if not content.start_year <= target.year <= content.end_year
    ]
    if misplaced:
        raise InvalidInput("a year target lies within the goal's years", errors=misplaced)


async def _check_owner(org_units: OrgUnitReplica, level: GoalLevel, data: GoalCreate) -> None:
    """The owner is a unit of the directory, valid now and in the goal's years, of the level's type."""
    await require_valid(
        org_units,
        data.owner_org_unit_id,
        pointer="#/owner_org_unit_id",
        types=OWNER_TYPES[level],
        what=OWNER_WHAT[level],
        years=(data.start_year, data.end_year),
    )


async def _resolve_links(
    session: AsyncSession, principal: Principal, level: GoalLevel, goal_ids: list[uuid.UUID], own_lineage: uuid.UUID | None
) -> list[uuid.UUID]:
    """The lineages of the goals this goal serves; each must be a goal of the level above that
    the caller can see. An unreadable draft is reported as unknown, as on a read."""
    if not goal_ids:
        return []
    found = await repository.get_many(session, goal_ids)
    lineages: list[uuid.UUID] = []
    errors: list[dict[str, str]] = []
    for i, goal_id in enumerate(goal_ids):
        parent = found.get(goal_id)
        pointer = f"#/contributes_to/{i}"
        if parent is None or not can_read(principal, parent.status, parent.owner_org_unit_id):
            errors.append({"pointer": pointer, "detail": f"no goal {goal_id}"})
        elif GoalLevel(parent.level) not in PARENT_LEVELS[level]:
            errors.append({"pointer": pointer, "detail": f"{goal_id} is {LABELS[GoalLevel(parent.level)]}"})
        elif parent.lineage_id == own_lineage:
            errors.append({"pointer": pointer, "detail": "a goal does not contribute to itself"})
        elif parent.lineage_id not in lineages:
            lineages.append(parent.lineage_id)
    if errors:
        raise InvalidInput(f"{LABELS[level]} contributes to {PARENTS_TEXT[level]}", errors=errors)
    if own_lineage is not None and level == GoalLevel.UNIT:
        await _ensure_no_circle(session, own_lineage, lineages)
    return lineages


async def _ensure_no_circle(session: AsyncSession, own_lineage: uuid.UUID, parents: list[uuid.UUID]) -> None:
    # Unit goals may serve unit goals; the thread must still lead upwards, never round.
    seen: set[uuid.UUID] = set()
    frontier = set(parents)
    while frontier:
        if own_lineage in frontier:
            raise InvalidInput(
                "goals contribute upwards without a circle: a goal this one serves already serves it",
                errors=[{"pointer": "#/contributes_to", "detail": "would close a circle"}],
            )
        seen |= frontier
        frontier = await repository.parents_of_lineages(session, frontier) - seen


async def _check_municipal_cap(session: AsyncSession, period_id: uuid.UUID, lineage_id: uuid.UUID | None, settings: GoalsSettings) -> None:
    await lock_for_rule(session, f"municipal-goals:{period_id}")
    others = await repository.count_municipal_lineages(session, period_id, excluding=lineage_id)
    if others >= settings.max_municipal_goals:
        raise RuleViolation(f"at most {settings.max_municipal_goals} municipal goals per mandate period: this period already has {others}")


async def _check_board_cap(session: AsyncSession, goal: Goal, settings: GoalsSettings) -> None:
    """At most so many board goals in force at once ("parallellt gällande"), counted year by year."""
    await lock_for_rule(session, f"board-goals:{goal.owner_org_unit_id}")
    others = await repository.board_goals_in_force(session, goal.owner_org_unit_id, goal.start_year, goal.end_year, goal.lineage_id)
    for year in range(goal.start_year, goal.end_year + 1):
        in_force = sum(1 for start, end in others if start <= year <= end)
        if in_force >= settings.max_board_goals_in_force:
            raise RuleViolation(
                f"at most {settings.max_board_goals_in_force} board goals are in force at once per board: "
                f"{year} already has {in_force} decided goals of this board in force"
            )


async def _check_decidable(session: AsyncSession, goal: Goal, parts: Parts, settings: GoalsSettings) -> None:
    level = GoalLevel(goal.level)
    if parts.indicator_count == 0:
        raise RuleViolation("a goal is decided only with at least one indicator to follow it up; this goal has none")
    if level == GoalLevel.BOARD:
        covered = {year for year, _ in parts.year_targets}
        missing = [str(y) for y in range(goal.start_year, goal.end_year + 1) if y not in covered]
        if goal.end_year > goal.start_year and missing:
            raise RuleViolation(f"a multi-year board goal has a target level for each of its years (delmål); missing: {', '.join(missing)}")
        await _check_board_cap(session, goal, settings)
    elif level == GoalLevel.MUNICIPAL:
        assert goal.mandate_period_id is not None  # required of a municipal goal
        await _check_municipal_cap(session, goal.mandate_period_id, goal.lineage_id, settings)


# --- writing --------------------------------------------------------------------------------


async def _store_new(
    session: AsyncSession, principal: Principal, goal: Goal, parents: list[uuid.UUID], targets: list[tuple[int, str]]
) -> GoalRead:
    goal.status = Status.DRAFT.value
    goal.created_by = goal.updated_by = principal.user_id
    session.add(goal)
    await session.flush()  # the goal row first: links and targets refer to it
    await repository.replace_links(session, goal.id, parents)
    await repository.replace_year_targets(session, goal.id, targets)
    await session.flush()
    created = await read_one(session, goal)
    auditor.record(session, principal, "CREATE", ENTITY, goal.id, after=created.model_dump(mode="json"))
    return created


async def create(
    session: AsyncSession, principal: Principal, data: GoalCreate, settings: GoalsSettings, org_units: OrgUnitReplica
) -> GoalRead:
    level = data.level
    ensure_may_write(principal, level, data.owner_org_unit_id)
    await _check_owner(org_units, level, data)
    await _check_content(session, level, data)
    parents = await _resolve_links(session, principal, level, data.contributes_to, None)
    if level == GoalLevel.MUNICIPAL:
        assert data.mandate_period_id is not None  # checked with the content
        await _check_municipal_cap(session, data.mandate_period_id, None, settings)
    goal_id = new_id()
    goal = Goal(
        id=goal_id,
        lineage_id=goal_id,
        revision=1,
        level=level.value,
        owner_org_unit_id=data.owner_org_unit_id,
        **_columns(data),
    )
    return await _store_new(session, principal, goal, parents, [(t.year, t.target_level) for t in data.year_targets])


def _columns(content: GoalContent) -> dict[str, Any]:
    return {
        "mandate_period_id": content.mandate_period_id,
        "start_year": content.start_year,
        "end_year": content.end_year,
        "title": content.title,
        "intent": content.intent,
        "perspective": content.perspective.value,
        "sdgs": content.sdgs,
        "external_codes": content.external_codes,
    }


async def new_revision(session: AsyncSession, principal: Principal, source_id: uuid.UUID) -> GoalRead:
    """Start an amendment (ändringsbeslut): a draft copying the decided goal, its links and year targets."""
    source = await get_readable(session, principal, source_id)
    ensure_may_write(principal, GoalLevel(source.level), source.owner_org_unit_id)
    if Status(source.status) != Status.DECIDED:
        raise RuleViolation(f"a new revision starts from the decided goal in force; this version is {source.status}")
    if source.closed_at is not None:
        raise RuleViolation("a closed goal is no longer in force and is not revised; set a new goal instead")
    open_revision = await repository.open_revision(session, source.lineage_id)
    if open_revision is not None:
        raise RuleViolation(
            f"one revision of a goal is prepared at a time: revision {open_revision.revision} is still {open_revision.status}"
        )
    parts = (await parts_of(session, [source]))[source.id]
    goal = Goal(
        id=new_id(),
        lineage_id=source.lineage_id,
        revision=await repository.max_revision(session, source.lineage_id) + 1,
        replaces_id=source.id,
        level=source.level,
        owner_org_unit_id=source.owner_org_unit_id,
        mandate_period_id=source.mandate_period_id,
        start_year=source.start_year,
        end_year=source.end_year,
        title=source.title,
        intent=source.intent,
        perspective=source.perspective,
        sdgs=list(source.sdgs),
        external_codes=dict(source.external_codes),
    )
    return await _store_new(session, principal, goal, parts.contributes_to, parts.year_targets)


async def update(session: AsyncSession, principal: Principal, goal: Goal, data: GoalUpdate, settings: GoalsSettings) -> GoalRead:
    level = GoalLevel(goal.level)
    ensure_may_write(principal, level, goal.owner_org_unit_id)
    ensure_draft(goal)
    changes = changes_of(data, nullable=frozenset({"mandate_period_id"}))
    before = await read_one(session, goal)
    current = before.model_dump(include=CONTENT_FIELDS)
    if all(current[name] == value for name, value in changes.items()):
        return before  # nothing changes: no new row version, no audit event
    merged = GoalContent.model_validate(current | changes)
    await _check_content(session, level, merged)
    parents = None
    if "contributes_to" in changes:
        parents = await _resolve_links(session, principal, level, merged.contributes_to, goal.lineage_id)
    if level == GoalLevel.MUNICIPAL and merged.mandate_period_id != goal.mandate_period_id:
        assert merged.mandate_period_id is not None  # checked with the content
        await _check_municipal_cap(session, merged.mandate_period_id, goal.lineage_id, settings)
    if parents is not None:
        await repository.replace_links(session, goal.id, parents)
    if "year_targets" in changes:
        await repository.replace_year_targets(session, goal.id, [(t.year, t.target_level) for t in merged.year_targets])
    for name, value in _columns(merged).items():
        setattr(goal, name, value)
    goal.updated_by = principal.user_id
    # Links and targets live in rows of their own: touching the goal bumps its version (the ETag) for them too.
    goal.updated_at = utcnow()
    await session.flush()
    after = await read_one(session, goal)
    auditor.record(
        session, principal, "UPDATE", ENTITY, goal.id, before=before.model_dump(mode="json"), after=after.model_dump(mode="json")
    )
    return after


async def transition(
    session: AsyncSession, principal: Principal, goal: Goal, step: Transition, decision: Decision | None, settings: GoalsSettings
) -> GoalRead:
    level = GoalLevel(goal.level)
    if step in (Transition.DECIDE, Transition.ARCHIVE):
        ensure_may_decide(principal, level, goal.owner_org_unit_id)
    else:
        ensure_may_write(principal, level, goal.owner_org_unit_id)
    superseded = None
    if step == Transition.DECIDE:
        ensure_step(goal, step)  # a step out of order is refused before the goal's rules are weighed
        superseded = await repository.get(session, goal.replaces_id) if goal.replaces_id else None
    parts = await parts_of(session, [goal] + ([superseded] if superseded else []))
    if step == Transition.DECIDE:
        await _check_decidable(session, goal, parts[goal.id], settings)

    def snapshot(obj: Goal) -> dict[str, Any]:
        return to_read(obj, parts[obj.id]).model_dump(mode="json")

    await apply_transition(session, auditor, principal, goal, step, decision, entity=ENTITY, snapshot=snapshot, superseded=superseded)
    return to_read(goal, parts[goal.id])


async def close(session: AsyncSession, principal: Principal, goal: Goal, data: GoalClosure) -> GoalRead:
    """Achieved or discontinued goals are closed, not deleted: still readable, no longer in force."""
    ensure_may_decide(principal, GoalLevel(goal.level), goal.owner_org_unit_id)
    if goal.closed_at is not None:
        raise RuleViolation(f"a goal is closed once: it was closed on {goal.closed_at.date().isoformat()} ({goal.closed_reason})")
    if Status(goal.status) != Status.DECIDED:
        raise RuleViolation(f"only a decided goal is closed; this version is {goal.status}")
    parts = (await parts_of(session, [goal]))[goal.id]
    before = to_read(goal, parts).model_dump(mode="json")
    goal.closed_at = utcnow()
    goal.closed_by = principal.user_id
    goal.closed_reason = data.reason.value
    goal.closing_comment = data.comment
    goal.updated_by = principal.user_id
    await session.flush()
    after = to_read(goal, parts)
    auditor.record(session, principal, "CLOSE", ENTITY, goal.id, before=before, after=after.model_dump(mode="json"))
    return after


async def delete(session: AsyncSession, principal: Principal, goal: Goal) -> None:
    ensure_may_write(principal, GoalLevel(goal.level), goal.owner_org_unit_id)
    if Status(goal.status) != Status.DRAFT:
        raise RuleViolation("only a draft is deleted; a decided goal is closed or archived and kept for the record")
    if not await repository.other_revisions_exist(session, goal) and await repository.lineage_is_referenced(session, goal.lineage_id):
        raise RuleViolation("a goal others build on is not deleted: goals, indicators, activities or focus areas refer to it")
    before = (await read_one(session, goal)).model_dump(mode="json")
    await session.delete(goal)
    await session.flush()
    auditor.record(session, principal, "DELETE", ENTITY, goal.id, before=before)

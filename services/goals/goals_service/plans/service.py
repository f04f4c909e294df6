"""The plans' rules: a board's budget- och årsplan and the operational plans (verksamhetsplaner) of
administrations and units, one per kind, org unit and year, each decided through the lifecycle,
holding the goals, quality factors, focus areas, activities and indicators it plans for."""

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.activities.models import Activity, FocusArea
from goals_service.db import auditor
from goals_service.goals.models import Goal
from goals_service.plans import repository
from goals_service.plans.models import Plan, PlanItem
from goals_service.plans.schemas import (
    PlanContent,
    PlanCreate,
    PlanDetail,
    PlanItemInput,
    PlanItemRead,
    PlanItemsReplace,
    PlanItemType,
    PlanKind,
    PlanRead,
    PlanUpdate,
)
from goals_service.quality.models import QualityFactor
from goals_service.units import require_valid
from styrkedjan_common import scope as access
from styrkedjan_common.db import utcnow
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision, Status, Transition, apply_transition, ensure_draft
from styrkedjan_common.org_units import BOARD_LEVEL, OPERATIONS, OrgUnitReplica
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of

ENTITY = "plan"


@dataclass(frozen=True)
class KindRules:
    label: str
    drafters: tuple[Role, ...]
    deciders: tuple[Role, ...]
    holds: tuple[PlanItemType, ...]
    # Whose plan it is: a board's (or a company's, a federation's) for a board plan; an
    # administration's or a unit's below it for an operational plan.
    unit_types: frozenset[str]
    unit_what: str

    def roles_for(self, step: Transition | None) -> tuple[Role, ...]:
        """Drafting (step None) and proposing are the drafters'; deciding and archiving the deciders';
        a proposal goes back to draft from either side."""
        if step in (None, Transition.PROPOSE):
            return self.drafters
        if step == Transition.RETURN_TO_DRAFT:
            return tuple(dict.fromkeys(self.drafters + self.deciders))
        return self.deciders


# The seed's "Planering": the board decides its budget- och årsplan (goals, quality factors with
# key figures, focus areas); the administration head or the unit's manager adopts the
# operational plan (activities with timing and responsible, goals of the operations, quality
# factors and indicators).
RULES = {
    PlanKind.BOARD_PLAN: KindRules(
        "a board plan",
        drafters=(Role.NAMND, Role.FORVALTNING),
        deciders=(Role.NAMND,),
        holds=(PlanItemType.GOAL, PlanItemType.QUALITY_FACTOR, PlanItemType.FOCUS_AREA, PlanItemType.INDICATOR),
        unit_types=BOARD_LEVEL,
        unit_what="the board",
    ),
    PlanKind.OPERATIONAL_PLAN: KindRules(
        "an operational plan",
        drafters=(Role.FORVALTNING, Role.ENHET),
        deciders=(Role.FORVALTNING, Role.ENHET),
        holds=(PlanItemType.GOAL, PlanItemType.QUALITY_FACTOR, PlanItemType.ACTIVITY, PlanItemType.INDICATOR),
        unit_types=OPERATIONS,
        unit_what="the administration or unit",
    ),
}


def roles_for_any_kind(step: Transition | None = None) -> tuple[Role, ...]:
    """The roles an operation declares: whoever may take the step on some kind of plan."""
    return tuple(dict.fromkeys(role for rules in RULES.values() for role in rules.roles_for(step)))


def to_read(plan: Plan) -> PlanRead:
    return PlanRead(
        id=plan.id,
        kind=PlanKind(plan.kind),
        org_unit_id=plan.org_unit_id,
        year=plan.year,
        revision=plan.revision,
        replaces_id=plan.replaces_id,
        status=Status(plan.status),
        decision=plan.decision(),
        title=plan.title,
        description=plan.description,
        economy=plan.economy,
        created_at=plan.created_at,
        created_by=plan.created_by,
        updated_at=plan.updated_at,
        updated_by=plan.updated_by,
        row_version=plan.row_version,
    )


def snapshot(plan: Plan) -> dict[str, Any]:
    return to_read(plan).model_dump(mode="json")


def items_snapshot(items: Iterable[PlanItem]) -> list[dict[str, Any]]:
    return [
        {
            "item_type": item.item_type,
            "item_id": str(item.item_id),
            "position": item.position,
            "timing": item.timing,
            "responsible": item.responsible,
            "followed_up_by": item.followed_up_by,
            "note": item.note,
        }
        for item in items
    ]


def ensure_writer(principal: Principal, kind: str, org_unit_id: uuid.UUID, step: Transition | None = None) -> None:
    """May the caller draft the plan (step None), or take `step` in its lifecycle?"""
    rules = RULES[PlanKind(kind)]
    what = rules.label if step is None else f"the {step.value} step of {rules.label}"
    access.ensure_can_write(principal, org_unit_id, rules.roles_for(step), what)


async def get_readable(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> Plan:
    plan = await repository.get(session, plan_id)
    if plan is None or not access.can_read(principal, plan.status, plan.org_unit_id):
        raise NotFound(f"no plan {plan_id}")
    return plan


async def list_page(
    session: AsyncSession,
    principal: Principal,
    *,
    kind: PlanKind | None,
    org_unit_ids: Collection[uuid.UUID] | None,
    year: int | None,
    status: Status | None,
    limit: int,
    after: tuple[int, uuid.UUID] | None,
) -> list[Plan]:
    return await repository.list_page(
        session,
        unpublished_units=access.readable_unit_ids(principal),
        kind=kind,
        org_unit_ids=org_unit_ids,
        year=year,
        status=status,
        limit=limit,
        after=after,
    )


# --- what the items name ---------------------------------------------------------------------

Lookup = Callable[[AsyncSession, Collection[uuid.UUID]], Awaitable[dict[uuid.UUID, Any]]]
# One bounded query per kind of object. Goals are looked up by lineage, the others by id.
_LOOKUPS: dict[PlanItemType, Lookup] = {
    PlanItemType.GOAL: repository.goals_by_lineage,
    PlanItemType.QUALITY_FACTOR: partial(repository.by_ids, model=QualityFactor),
    PlanItemType.FOCUS_AREA: partial(repository.by_ids, model=FocusArea),
    PlanItemType.ACTIVITY: partial(repository.by_ids, model=Activity),
    PlanItemType.INDICATOR: repository.indicator_names,
}
Resolved = dict[PlanItemType, dict[uuid.UUID, Any]]


def _ids_by_type(refs: Iterable[tuple[str, uuid.UUID]]) -> dict[PlanItemType, set[uuid.UUID]]:
    ids: dict[PlanItemType, set[uuid.UUID]] = {}
    for item_type, item_id in refs:
        ids.setdefault(PlanItemType(item_type), set()).add(item_id)
    return ids


async def _resolve(session: AsyncSession, refs: Iterable[tuple[str, uuid.UUID]]) -> Resolved:
    """What each (item type, stored id) names, in one query per item type."""
    return {item_type: await _LOOKUPS[item_type](session, ids) for item_type, ids in _ids_by_type(refs).items()}


def _refs(items: Iterable[PlanItem]) -> list[tuple[str, uuid.UUID]]:
    return [(item.item_type, item.item_id) for item in items]


def _display(item_type: PlanItemType, named: Any) -> dict[str, Any]:
    """What a reader sees of the object an item names; nothing when it no longer exists."""
    if named is None:
        return {}
    if item_type == PlanItemType.GOAL:
        return {"title": named.title, "level": named.level, "status": named.status}
    if item_type == PlanItemType.ACTIVITY:
        return {"title": named.title, "status": named.status, "start_date": named.start_date, "end_date": named.end_date}
    if item_type == PlanItemType.INDICATOR:
        return {"title": named}  # the indicator's catalogue name
    return {"title": named.name}


def _item_read(item: PlanItem, resolved: Resolved) -> PlanItemRead:
    item_type = PlanItemType(item.item_type)
    return PlanItemRead(
        item_type=item_type,
        item_id=item.item_id,
        position=item.position,
        timing=item.timing,
        responsible=item.responsible,
        followed_up_by=item.followed_up_by,
        note=item.note,
        **_display(item_type, resolved.get(item_type, {}).get(item.item_id)),
    )


async def detail(session: AsyncSession, plan: Plan) -> PlanDetail:
    items = await repository.items(session, plan.id)
    resolved = await _resolve(session, _refs(items))
    return PlanDetail(**to_read(plan).model_dump(exclude={"org_unit"}), items=[_item_read(item, resolved) for item in items])


# --- writes ----------------------------------------------------------------------------------


async def _insert(
    session: AsyncSession,
    principal: Principal,
    *,
    kind: str,
    org_unit_id: uuid.UUID,
    year: int,
    content: PlanContent,
    revision: int,
    replaces: Plan | None,
    items: Iterable[PlanItem] = (),
) -> Plan:
    plan = Plan(
        kind=kind,
        org_unit_id=org_unit_id,
        year=year,
        revision=revision,
        replaces_id=replaces.id if replaces else None,
        status=Status.DRAFT.value,
        title=content.title,
        description=content.description,
        economy=content.economy,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(plan)
    await session.flush()
    copies = [_copy(item, plan.id) for item in items]
    session.add_all(copies)
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, plan.id, after=snapshot(plan) | {"items": items_snapshot(copies)})
    return plan


def _copy(item: PlanItem, plan_id: uuid.UUID) -> PlanItem:
    return PlanItem(
        plan_id=plan_id,
        item_type=item.item_type,
        item_id=item.item_id,
        position=item.position,
        timing=item.timing,
        responsible=item.responsible,
        followed_up_by=item.followed_up_by,
        note=item.note,
    )


async def _new_revision_of(
    session: AsyncSession,
    principal: Principal,
    kind: str,
    org_unit_id: uuid.UUID,
    year: int,
    content: PlanContent,
    items: Iterable[PlanItem] = (),
) -> Plan:
    """A draft for the kind, org unit and year; once decided it replaces the plan in force."""
    open_revision = await repository.open_revision(session, kind, org_unit_id, year)
    if open_revision is not None:
        raise RuleViolation(
            f"one plan revision per kind, org unit and year is prepared at a time: revision {open_revision.revision} of "
            f"the {year} plan is still {open_revision.status}"
        )
    return await _insert(
        session,
        principal,
        kind=kind,
        org_unit_id=org_unit_id,
        year=year,
        content=content,
        items=items,
        revision=await repository.max_revision(session, kind, org_unit_id, year) + 1,
        replaces=await repository.in_force(session, kind, org_unit_id, year),
    )


async def _check_org_unit(org_units: OrgUnitReplica, data: PlanCreate) -> None:
    """The plan's unit is of the directory, valid today and in the plan's year, of the kind's type."""
    rules = RULES[data.kind]
    await require_valid(
        org_units, data.org_unit_id, pointer="#/org_unit_id", types=rules.unit_types, what=rules.unit_what, years=(data.year, data.year)
    )


async def create(session: AsyncSession, principal: Principal, data: PlanCreate, org_units: OrgUnitReplica) -> Plan:
    ensure_writer(principal, data.kind, data.org_unit_id)
    await _check_org_unit(org_units, data)
    return await _new_revision_of(session, principal, data.kind, data.org_unit_id, data.year, data)


def _content(plan: Plan) -> PlanContent:
    return PlanContent(title=plan.title, description=plan.description, economy=plan.economy)


async def new_revision(session: AsyncSession, principal: Principal, source_id: uuid.UUID) -> Plan:
    """Start an amendment (ändringsbeslut): a draft copying the decided plan and its items."""
    source = await get_readable(session, principal, source_id)
    ensure_writer(principal, source.kind, source.org_unit_id)
    if Status(source.status) != Status.DECIDED:
        raise RuleViolation("a new revision starts from the decided plan in force")
    items = await repository.items(session, source.id)
    return await _new_revision_of(session, principal, source.kind, source.org_unit_id, source.year, _content(source), items)


def _still_valid(item: PlanItem, resolved: Resolved, year: int) -> bool:
    """Whether an item of this year's plan belongs in next year's (`year`) too."""
    named = resolved.get(PlanItemType(item.item_type), {}).get(item.item_id)
    if named is None:
        return False
    if isinstance(named, Goal):
        return named.end_year >= year and named.closed_at is None and Status(named.status) != Status.ARCHIVED
    if isinstance(named, Activity):
        return named.end_date >= dt.date(year, 1, 1)
    if isinstance(named, QualityFactor):
        return named.active
    return True


async def _check_unit_goes_on(org_units: OrgUnitReplica, plan: Plan, year: int) -> None:
    """Next year's plan is a new object: its unit is in force today and in that year. A unit that a
    reorganisation closes plans its next year under its successor instead."""
    unit = await org_units.find(plan.org_unit_id)
    if unit is None:
        raise RuleViolation(f"the plan's org unit {plan.org_unit_id} is not in the directory: its next year is not planned")
    if not unit.valid_on(dt.date.today()) or not unit.valid_on(dt.date(year, 1, 1)):
        until = f"closes on {unit.valid_to}" if unit.valid_to else f"is valid from {unit.valid_from}"
        raise RuleViolation(f"{unit.name} {until}: its plan is not copied to {year}; plan the year under the unit in force then")


async def next_year(session: AsyncSession, principal: Principal, source_id: uuid.UUID, org_units: OrgUnitReplica) -> Plan:
    """Copy from last year: next year's first draft, with what of this plan still holds then."""
    source = await get_readable(session, principal, source_id)
    ensure_writer(principal, source.kind, source.org_unit_id)
    year = source.year + 1
    await _check_unit_goes_on(org_units, source, year)
    if await repository.max_revision(session, source.kind, source.org_unit_id, year):
        raise RuleViolation(
            f"{RULES[PlanKind(source.kind)].label} of org unit {source.org_unit_id} for {year} already exists; "
            "copy from last year only starts a year that has no plan"
        )
    items = await repository.items(session, source.id)
    resolved = await _resolve(session, _refs(items))
    kept = [item for item in items if _still_valid(item, resolved, year)]
    return await _insert(
        session,
        principal,
        kind=source.kind,
        org_unit_id=source.org_unit_id,
        year=year,
        content=_content(source),
        items=kept,
        revision=1,
        replaces=None,
    )


async def update(session: AsyncSession, principal: Principal, plan: Plan, data: PlanUpdate) -> Plan:
    ensure_writer(principal, plan.kind, plan.org_unit_id)
    ensure_draft(plan)
    changes = changes_of(data)
    current = _content(plan).model_dump()
    if all(current[name] == value for name, value in changes.items()):
        return plan  # nothing changes: no new row version, no audit event
    before = snapshot(plan)
    merged = PlanContent.model_validate(current | changes)
    plan.title, plan.description, plan.economy = merged.title, merged.description, merged.economy
    plan.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", ENTITY, plan.id, before=before, after=snapshot(plan))
    return plan


def _check_item_types(rules: KindRules, items: list[PlanItemInput]) -> None:
    wrong = [(index, item) for index, item in enumerate(items) if item.item_type not in rules.holds]
    if wrong:
        holds = ", ".join(item_type.value for item_type in rules.holds)
        raise InvalidInput(
            f"{rules.label} holds only {holds}; it cannot hold {', '.join(sorted({item.item_type.value for _, item in wrong}))}",
            errors=[{"pointer": f"#/items/{index}/item_type", "detail": f"{rules.label} holds only {holds}"} for index, item in wrong],
        )


async def _stored_ids(session: AsyncSession, items: list[PlanItemInput]) -> list[uuid.UUID]:
    """The id each item is stored under (a goal's lineage); every item must name an existing
    object, and each object is named once."""
    goal_ids = {item.item_id for item in items if item.item_type == PlanItemType.GOAL}
    lineages = await repository.goal_lineages(session, goal_ids)
    found = await _resolve(session, ((item.item_type, item.item_id) for item in items if item.item_type != PlanItemType.GOAL))
    found[PlanItemType.GOAL] = lineages
    unknown = [
        {"pointer": f"#/items/{index}/item_id", "detail": f"no {item.item_type.value} {item.item_id}"}
        for index, item in enumerate(items)
        if item.item_id not in found[item.item_type]
    ]
    if unknown:
        raise InvalidInput(f"every plan item must name an existing object; {len(unknown)} do not", errors=unknown)
    stored = [lineages[item.item_id] if item.item_type == PlanItemType.GOAL else item.item_id for item in items]
    seen: set[tuple[PlanItemType, uuid.UUID]] = set()
    repeated = []
    for index, (item, item_id) in enumerate(zip(items, stored, strict=True)):
        if (item.item_type, item_id) in seen:
            repeated.append({"pointer": f"#/items/{index}/item_id", "detail": f"{item.item_type.value} {item_id} is already in the plan"})
        seen.add((item.item_type, item_id))
    if repeated:
        raise InvalidInput("a plan names each object once (a goal once, whichever revision is given)", errors=repeated)
    return stored


async def replace_items(session: AsyncSession, principal: Principal, plan: Plan, data: PlanItemsReplace) -> Plan:
    """The plan's whole item list, replaced; the plan's row version moves with it."""
    ensure_writer(principal, plan.kind, plan.org_unit_id)
    ensure_draft(plan)
    _check_item_types(RULES[PlanKind(plan.kind)], data.items)
    stored_ids = await _stored_ids(session, data.items)
    before = snapshot(plan) | {"items": items_snapshot(await repository.items(session, plan.id))}
    rows = [
        PlanItem(
            plan_id=plan.id,
            item_type=item.item_type.value,
            item_id=item_id,
            position=index if item.position is None else item.position,
            timing=item.timing,
            responsible=item.responsible,
            followed_up_by=item.followed_up_by,
            note=item.note,
        )
        for index, (item, item_id) in enumerate(zip(data.items, stored_ids, strict=True))
    ]
    await repository.replace_items(session, plan.id, rows)
    plan.updated_by = principal.user_id
    plan.updated_at = utcnow()  # an UPDATE of the plan even by the same author: its ETag must change
    await session.flush()
    auditor.record(
        session, principal, "REPLACE_ITEMS", ENTITY, plan.id, before=before, after=snapshot(plan) | {"items": items_snapshot(rows)}
    )
    return plan


async def transition(session: AsyncSession, principal: Principal, plan: Plan, step: Transition, decision: Decision | None = None) -> Plan:
    ensure_writer(principal, plan.kind, plan.org_unit_id, step)
    superseded = await repository.in_force(session, plan.kind, plan.org_unit_id, plan.year) if step == Transition.DECIDE else None
    return await apply_transition(
        session, auditor, principal, plan, step, decision, entity=ENTITY, snapshot=snapshot, superseded=superseded
    )


async def delete(session: AsyncSession, principal: Principal, plan: Plan) -> None:
    ensure_writer(principal, plan.kind, plan.org_unit_id)
    if Status(plan.status) != Status.DRAFT:
        raise RuleViolation("only a draft can be deleted; decided plans are kept for the record")
    before = snapshot(plan) | {"items": items_snapshot(await repository.items(session, plan.id))}
    await session.delete(plan)  # its items go with it (ON DELETE CASCADE)
    await session.flush()
    auditor.record(session, principal, "DELETE", ENTITY, plan.id, before=before)

"""The board's allocation of its frame (seed: "Ekonomistyrning", "Budget och resursfördelning"): a
board splits its operating frame over its activity areas and cost centres and never above it; a
reallocation between areas is a board decision, logged and reported at the next follow-up."""

import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.allocations import repository
from budget_service.allocations.models import (
    ActivityArea,
    Allocation,
    AllocationSet,
    CostCenter,
    Reallocation,
)
from budget_service.allocations.schemas import (
    ActivityAreaCreate,
    ActivityAreaRead,
    ActivityAreaUpdate,
    AllocationLineRead,
    AllocationPut,
    AllocationRead,
    AreaTotal,
    CostCenterCreate,
    CostCenterRead,
    CostCenterUpdate,
    FrameRef,
    ReallocationCreate,
    ReallocationRead,
    ReallocationReport,
)
from budget_service.budgets.models import Frame
from budget_service.db import auditor
from budget_service.units import require_board, require_operation, under
from styrkedjan_common.db import lock_for_rule, utcnow
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import OrgUnitReplica
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import ensure_can_write

AREA, COST_CENTER, ALLOCATION, REALLOCATION = "activity_area", "cost_center", "allocation_set", "reallocation"
# The breakdown of a board's frame is prepared by its administration and set by the board; the
# council may correct it. The allocation itself and its reallocations are board decisions.
STRUCTURE_WRITERS = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING)
ALLOCATION_WRITERS = (Role.NAMND,)
OPERATING = "OPERATING"
ZERO = Decimal("0.00")


def _snapshot(read: BaseModel) -> dict[str, Any]:
    return read.model_dump(mode="json")


def _sum(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)


def _touch(record: AllocationSet, principal: Principal) -> None:
    """Mark the parent of replaced child rows as changed, so its row version (the ETag) moves on."""
    record.updated_by = principal.user_id
    record.updated_at = utcnow()


# --- activity areas -----------------------------------------------------------------------


def to_area_read(area: ActivityArea) -> ActivityAreaRead:
    return ActivityAreaRead.model_validate(area)


def ensure_area_writer(principal: Principal, area: ActivityArea) -> None:
    ensure_can_write(principal, area.board_org_unit_id, STRUCTURE_WRITERS, "an activity area")


async def get_area(session: AsyncSession, area_id: uuid.UUID) -> ActivityArea:
    area = await repository.get_area(session, area_id)
    if area is None:
        raise NotFound(f"no activity area {area_id}")
    return area


async def _ensure_area_code_free(
    session: AsyncSession, board_org_unit_id: uuid.UUID, code: str, other_than: uuid.UUID | None = None
) -> None:
    if await repository.area_code_taken(session, board_org_unit_id, code, other_than):
        raise RuleViolation(f"an activity area's code is unique within its board: the board already has an area {code!r}")


async def create_area(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: ActivityAreaCreate) -> ActivityArea:
    ensure_can_write(principal, data.board_org_unit_id, STRUCTURE_WRITERS, "an activity area")
    await require_board(org_units, data.board_org_unit_id, "#/board_org_unit_id")
    await _ensure_area_code_free(session, data.board_org_unit_id, data.code)
    area = ActivityArea(**data.model_dump(), created_by=principal.user_id, updated_by=principal.user_id)
    session.add(area)
    await session.flush()
    auditor.record(session, principal, "CREATE", AREA, area.id, after=_snapshot(to_area_read(area)))
    return area


async def update_area(session: AsyncSession, principal: Principal, area: ActivityArea, data: ActivityAreaUpdate) -> ActivityArea:
    changes = changes_of(data)
    if all(getattr(area, name) == value for name, value in changes.items()):
        return area  # nothing changes: no new row version, no audit event
    if "code" in changes:
        await _ensure_area_code_free(session, area.board_org_unit_id, changes["code"], area.id)
    before = _snapshot(to_area_read(area))
    for name, value in changes.items():
        setattr(area, name, value)
    area.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", AREA, area.id, before=before, after=_snapshot(to_area_read(area)))
    return area


async def delete_area(session: AsyncSession, principal: Principal, area: ActivityArea) -> None:
    if await repository.area_in_use(session, area.id):
        raise RuleViolation("an activity area in use is kept: cost centres, allocation lines or reallocations refer to it")
    before = _snapshot(to_area_read(area))
    await session.delete(area)
    await session.flush()
    auditor.record(session, principal, "DELETE", AREA, area.id, before=before)


# --- cost centres -------------------------------------------------------------------------


def to_cost_center_read(cost_center: CostCenter) -> CostCenterRead:
    return CostCenterRead.model_validate(cost_center)


async def get_cost_center(session: AsyncSession, cost_center_id: uuid.UUID) -> CostCenter:
    cost_center = await repository.get_cost_center(session, cost_center_id)
    if cost_center is None:
        raise NotFound(f"no cost centre {cost_center_id}")
    return cost_center


async def ensure_cost_center_writer(session: AsyncSession, principal: Principal, cost_center: CostCenter) -> ActivityArea:
    """A cost centre is written in scope of the board its area belongs to; returns that area."""
    area = await get_area(session, cost_center.activity_area_id)
    ensure_area_writer(principal, area)
    return area


async def _area_for_cost_center(session: AsyncSession, area_id: uuid.UUID) -> ActivityArea:
    area = await repository.get_area(session, area_id)
    if area is None:
        raise InvalidInput(
            "a cost centre rolls up into an existing activity area",
            errors=[{"pointer": "#/activity_area_id", "detail": f"no activity area {area_id}"}],
        )
    return area


def _ensure_org_unit_in_scope(principal: Principal, org_unit_id: uuid.UUID | None) -> None:
    if org_unit_id is not None:
        ensure_can_write(principal, org_unit_id, STRUCTURE_WRITERS, "the org unit a cost centre serves")


async def _ensure_serves_the_board(org_units: OrgUnitReplica, org_unit_id: uuid.UUID | None, area: ActivityArea) -> None:
    """A cost centre serves an operation (an administration, area or unit) valid today, and one under
    the board its activity area belongs to: the actuals booked on it count in that board's follow-up."""
    if org_unit_id is None:
        return
    unit = await require_operation(org_units, org_unit_id, "#/org_unit_id")
    if not under(org_units, unit, area.board_org_unit_id):
        problem = f"the org unit {unit.name} is not under the board of the cost centre's activity area"
        raise InvalidInput(problem, errors=[{"pointer": "#/org_unit_id", "detail": problem}])


async def _ensure_cost_center_code_free(session: AsyncSession, code: str, other_than: uuid.UUID | None = None) -> None:
    if await repository.cost_center_code_taken(session, code, other_than):
        raise RuleViolation(f"a cost centre's code is unique in the financial system: {code!r} is already used")


async def create_cost_center(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: CostCenterCreate) -> CostCenter:
    area = await _area_for_cost_center(session, data.activity_area_id)
    ensure_area_writer(principal, area)
    _ensure_org_unit_in_scope(principal, data.org_unit_id)
    await _ensure_serves_the_board(org_units, data.org_unit_id, area)
    await _ensure_cost_center_code_free(session, data.code)
    cost_center = CostCenter(**data.model_dump(), created_by=principal.user_id, updated_by=principal.user_id)
    session.add(cost_center)
    await session.flush()
    auditor.record(session, principal, "CREATE", COST_CENTER, cost_center.id, after=_snapshot(to_cost_center_read(cost_center)))
    return cost_center


async def update_cost_center(
    session: AsyncSession,
    principal: Principal,
    org_units: OrgUnitReplica,
    cost_center: CostCenter,
    area: ActivityArea,
    data: CostCenterUpdate,
) -> CostCenter:
    changes = changes_of(data, nullable=frozenset({"org_unit_id"}))
    if all(getattr(cost_center, name) == value for name, value in changes.items()):
        return cost_center  # nothing changes: no new row version, no audit event
    if "activity_area_id" in changes:
        target = await _area_for_cost_center(session, changes["activity_area_id"])
        if target.board_org_unit_id != area.board_org_unit_id:
            raise InvalidInput(
                "a cost centre moves only between activity areas of the same board",
                errors=[{"pointer": "#/activity_area_id", "detail": "an activity area of another board"}],
            )
    if changes.get("org_unit_id") is not None:
        _ensure_org_unit_in_scope(principal, changes["org_unit_id"])
        await _ensure_serves_the_board(org_units, changes["org_unit_id"], area)
    if "code" in changes:
        await _ensure_cost_center_code_free(session, changes["code"], cost_center.id)
    before = _snapshot(to_cost_center_read(cost_center))
    for name, value in changes.items():
        setattr(cost_center, name, value)
    cost_center.updated_by = principal.user_id
    await session.flush()
    auditor.record(
        session, principal, "UPDATE", COST_CENTER, cost_center.id, before=before, after=_snapshot(to_cost_center_read(cost_center))
    )
    return cost_center


async def delete_cost_center(session: AsyncSession, principal: Principal, cost_center: CostCenter) -> None:
    if await repository.cost_center_in_use(session, cost_center.id):
        raise RuleViolation("a cost centre in use is kept: allocation lines refer to it")
    before = _snapshot(to_cost_center_read(cost_center))
    await session.delete(cost_center)
    await session.flush()
    auditor.record(session, principal, "DELETE", COST_CENTER, cost_center.id, before=before)


# --- allocation ---------------------------------------------------------------------------


def _frame_ref(frame: Frame | None) -> FrameRef | None:
    return FrameRef(budget_id=frame.budget_id, frame_id=frame.id, amount=frame.amount) if frame else None


async def frame_in_force(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int, kind: str) -> FrameRef | None:
    """The board's frame of `kind` (OPERATING or INVESTMENT) in the decided budget in force for the year, if any."""
    return _frame_ref(await repository.decided_frame(session, board_org_unit_id, year, kind))


def _area_totals(lines: Sequence[Allocation]) -> list[AreaTotal]:
    totals: dict[uuid.UUID, Decimal] = {}
    for line in lines:
        totals[line.activity_area_id] = totals.get(line.activity_area_id, ZERO) + line.amount
    return [AreaTotal(activity_area_id=area_id, amount=amount) for area_id, amount in totals.items()]


def excess_over(frame: Decimal | None, total: Decimal) -> Decimal | None:
    """How far an allocation of `total` lies over its frame (0.00 within it); none without a frame."""
    return max(total - frame, ZERO) if frame is not None else None


def to_allocation_read(
    board_org_unit_id: uuid.UUID, year: int, allocation_set: AllocationSet | None, lines: Sequence[Allocation], frame: Frame | None
) -> AllocationRead:
    total = _sum(line.amount for line in lines)
    excess = excess_over(frame.amount if frame else None, total)
    return AllocationRead(
        board_org_unit_id=board_org_unit_id,
        year=year,
        lines=[AllocationLineRead.model_validate(line) for line in lines],
        areas=_area_totals(lines),
        total=total,
        frame=_frame_ref(frame),
        remaining=frame.amount - total if frame else None,
        over_frame=bool(excess),
        excess=excess,
        row_version=allocation_set.row_version if allocation_set else None,
        updated_at=allocation_set.updated_at if allocation_set else None,
        updated_by=allocation_set.updated_by if allocation_set else None,
    )


def _lines_snapshot(lines: Sequence[Allocation]) -> dict[str, Any]:
    return {
        "lines": [_snapshot(AllocationLineRead.model_validate(line)) for line in lines],
        "total": str(_sum(line.amount for line in lines)),
    }


def ensure_allocation_writer(principal: Principal, board_org_unit_id: uuid.UUID) -> None:
    ensure_can_write(principal, board_org_unit_id, ALLOCATION_WRITERS, "the allocation of a board's frame")


async def read_allocation(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int) -> tuple[AllocationRead, AllocationSet | None]:
    allocation_set = await repository.get_set(session, board_org_unit_id, year)
    frame = await repository.decided_frame(session, board_org_unit_id, year, OPERATING)
    if allocation_set is None and frame is None:
        raise NotFound(f"board {board_org_unit_id} has neither an allocation nor a decided operating frame for {year}")
    lines = await repository.lines_of(session, allocation_set.id) if allocation_set else []
    return to_allocation_read(board_org_unit_id, year, allocation_set, lines, frame), allocation_set


async def _locked_set(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int) -> AllocationSet | None:
    """The board's allocation for the year, with its frame rule serialised until the transaction ends."""
    await lock_for_rule(session, f"allocation:{board_org_unit_id}:{year}")
    return await repository.get_set(session, board_org_unit_id, year)


async def _check_lines(session: AsyncSession, board_org_unit_id: uuid.UUID, data: AllocationPut) -> None:
    areas = await repository.areas_by_id(session, {line.activity_area_id for line in data.lines})
    cost_centers = await repository.cost_centers_by_id(session, {line.cost_center_id for line in data.lines if line.cost_center_id})
    errors: list[dict[str, str]] = []
    seen: set[tuple[uuid.UUID, uuid.UUID | None]] = set()
    for index, line in enumerate(data.lines):
        area = areas.get(line.activity_area_id)
        if area is None or area.board_org_unit_id != board_org_unit_id:
            errors.append({"pointer": f"#/lines/{index}/activity_area_id", "detail": f"not an activity area of board {board_org_unit_id}"})
            continue
        if line.cost_center_id is not None:
            cost_center = cost_centers.get(line.cost_center_id)
            if cost_center is None or cost_center.activity_area_id != line.activity_area_id:
                errors.append({"pointer": f"#/lines/{index}/cost_center_id", "detail": "not a cost centre of the line's activity area"})
                continue
        key = (line.activity_area_id, line.cost_center_id)
        if key in seen:
            errors.append({"pointer": f"#/lines/{index}", "detail": "a second line for the same activity area and cost centre"})
        seen.add(key)
    if errors:
        raise InvalidInput(
            "an allocation splits the frame over the board's own activity areas and cost centres, one line each", errors=errors
        )


async def _operating_frame(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int) -> Frame:
    frame = await repository.decided_frame(session, board_org_unit_id, year, OPERATING)
    if frame is None:
        raise RuleViolation(
            f"a board allocates within its frame, and board {board_org_unit_id} has no operating frame in a decided budget for {year}"
        )
    return frame


def _ensure_within_frame(frame: Decimal, current: Decimal, total: Decimal) -> None:
    """The seed: the frame is the most a board may use, so its allocation never exceeds it. The
    council may still lower a frame below an allocation already made (an amended budget is its
    decision and stands); that allocation is then over its frame, and until it fits only a change
    that reduces the excess is taken."""
    if total <= frame:
        return
    excess, standing = total - frame, current - frame
    if standing > 0 and excess < standing:
        return
    if standing > 0:
        raise RuleViolation(
            f"the sum of a board's allocation never exceeds its frame, and an allocation over a lowered frame only shrinks "
            f"until it fits: the operating frame is {frame}, the allocation exceeds it by {standing}, and the lines total "
            f"{total}, an excess of {excess}"
        )
    raise RuleViolation(
        f"the sum of a board's allocation never exceeds its frame: the lines total {total}, "
        f"the operating frame is {frame}, an excess of {excess}"
    )


async def replace_allocation(
    session: AsyncSession,
    principal: Principal,
    org_units: OrgUnitReplica,
    board_org_unit_id: uuid.UUID,
    year: int,
    data: AllocationPut,
    precondition: Callable[[AllocationSet | None], None],
) -> tuple[AllocationRead, AllocationSet]:
    """Replace the board's whole allocation for the year; the sum never exceeds its operating frame.
    The rule's lock is taken before the current allocation is read, so the caller's `precondition`
    (its If-Match or If-None-Match, checked against that allocation) and the frame rule both judge
    an allocation no other writer can change before this transaction ends."""
    ensure_allocation_writer(principal, board_org_unit_id)  # a refusal by scope comes before any precondition
    await require_board(org_units, board_org_unit_id, "#/path/board_org_unit_id", year)
    allocation_set = await _locked_set(session, board_org_unit_id, year)
    precondition(allocation_set)
    await _check_lines(session, board_org_unit_id, data)
    frame = await _operating_frame(session, board_org_unit_id, year)
    current = await repository.lines_of(session, allocation_set.id) if allocation_set else []
    _ensure_within_frame(frame.amount, _sum(line.amount for line in current), _sum(line.amount for line in data.lines))
    if allocation_set is None:
        allocation_set = AllocationSet(
            board_org_unit_id=board_org_unit_id, year=year, created_by=principal.user_id, updated_by=principal.user_id
        )
        session.add(allocation_set)
        await session.flush()
        before = None
    else:
        before = _lines_snapshot(current)
        await repository.delete_lines(session, allocation_set.id)
        _touch(allocation_set, principal)
    session.add_all(
        Allocation(allocation_set_id=allocation_set.id, board_org_unit_id=board_org_unit_id, year=year, **line.model_dump())
        for line in data.lines
    )
    await session.flush()
    lines = await repository.lines_of(session, allocation_set.id)
    auditor.record(session, principal, "REPLACE", ALLOCATION, allocation_set.id, before=before, after=_lines_snapshot(lines))
    return to_allocation_read(board_org_unit_id, year, allocation_set, lines, frame), allocation_set


# --- reallocations ------------------------------------------------------------------------


def to_reallocation_read(reallocation: Reallocation) -> ReallocationRead:
    decision = Decision(
        body=reallocation.decision_body, decision_date=reallocation.decision_date, reference=reallocation.decision_reference
    )
    return ReallocationRead(
        id=reallocation.id,
        board_org_unit_id=reallocation.board_org_unit_id,
        year=reallocation.year,
        from_activity_area_id=reallocation.from_activity_area_id,
        to_activity_area_id=reallocation.to_activity_area_id,
        amount=reallocation.amount,
        decision=decision,
        reported_at_occasion=FollowupOccasion(reallocation.reported_at_occasion) if reallocation.reported_at_occasion else None,
        reported_at=reallocation.reported_at,
        created_at=reallocation.created_at,
        created_by=reallocation.created_by,
        updated_at=reallocation.updated_at,
        updated_by=reallocation.updated_by,
        row_version=reallocation.row_version,
    )


async def get_reallocation(session: AsyncSession, reallocation_id: uuid.UUID) -> Reallocation:
    reallocation = await repository.get_reallocation(session, reallocation_id)
    if reallocation is None:
        raise NotFound(f"no reallocation {reallocation_id}")
    return reallocation


async def _check_reallocation_areas(session: AsyncSession, data: ReallocationCreate) -> ActivityArea:
    """Both areas are the board's own and differ; returns the source area."""
    if data.from_activity_area_id == data.to_activity_area_id:
        raise InvalidInput(
            "a reallocation moves money between two different activity areas",
            errors=[{"pointer": "#/to_activity_area_id", "detail": "the same area as from_activity_area_id"}],
        )
    areas = await repository.areas_by_id(session, {data.from_activity_area_id, data.to_activity_area_id})
    errors = [
        {"pointer": f"#/{field}", "detail": f"not an activity area of board {data.board_org_unit_id}"}
        for field, area_id in (("from_activity_area_id", data.from_activity_area_id), ("to_activity_area_id", data.to_activity_area_id))
        if area_id not in areas or areas[area_id].board_org_unit_id != data.board_org_unit_id
    ]
    if errors:
        raise InvalidInput("a reallocation moves money between activity areas of the board it names", errors=errors)
    return areas[data.from_activity_area_id]


def _move(lines: list[Allocation], data: ReallocationCreate, allocation_set: AllocationSet) -> None:
    """Debit the source area's lines (its own line first, then its cost centres by code) and
    credit the target area's own line; the total, and so the frame, stays as it was."""
    remaining = data.amount
    for line in (line for line in lines if line.activity_area_id == data.from_activity_area_id):
        taken = min(line.amount, remaining)
        line.amount -= taken
        remaining -= taken
    target = next((line for line in lines if line.activity_area_id == data.to_activity_area_id and line.cost_center_id is None), None)
    if target is None:
        target = Allocation(
            allocation_set_id=allocation_set.id,
            board_org_unit_id=allocation_set.board_org_unit_id,
            year=allocation_set.year,
            activity_area_id=data.to_activity_area_id,
            cost_center_id=None,
            amount=ZERO,
            comment="",
        )
        lines.append(target)
    target.amount += data.amount


async def create_reallocation(
    session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: ReallocationCreate
) -> Reallocation:
    ensure_can_write(principal, data.board_org_unit_id, ALLOCATION_WRITERS, "a reallocation between a board's activity areas")
    await require_board(org_units, data.board_org_unit_id, "#/board_org_unit_id", data.year)
    source = await _check_reallocation_areas(session, data)
    allocation_set = await _locked_set(session, data.board_org_unit_id, data.year)
    if allocation_set is None:
        raise RuleViolation(
            f"a reallocation moves money between the lines of a board's allocation, and board "
            f"{data.board_org_unit_id} has no allocation for {data.year}"
        )
    lines = await repository.lines_of(session, allocation_set.id)
    frame = await repository.decided_frame(session, data.board_org_unit_id, data.year, OPERATING)
    total = _sum(line.amount for line in lines)
    if frame is not None and total > frame.amount:
        # A reallocation keeps the total, so it never reduces the excess: the allocation fits its frame first.
        raise RuleViolation(
            f"an allocation over a lowered frame only shrinks until it fits, and a reallocation keeps its total: "
            f"the allocation of board {data.board_org_unit_id} for {data.year} totals {total}, over its operating frame "
            f"{frame.amount} by {total - frame.amount}"
        )
    available = _sum(line.amount for line in lines if line.activity_area_id == source.id)
    if available < data.amount:
        raise RuleViolation(
            f"an activity area's allocation never goes below zero: area {source.code} has {available}, the reallocation takes {data.amount}"
        )
    before = _lines_snapshot(lines)
    _move(lines, data, allocation_set)
    session.add_all(lines)
    _touch(allocation_set, principal)
    reallocation = Reallocation(
        board_org_unit_id=data.board_org_unit_id,
        year=data.year,
        from_activity_area_id=data.from_activity_area_id,
        to_activity_area_id=data.to_activity_area_id,
        amount=data.amount,
        decision_body=data.decision.body,
        decision_date=data.decision.decision_date,
        decision_reference=data.decision.reference,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(reallocation)
    await session.flush()
    auditor.record(session, principal, "CREATE", REALLOCATION, reallocation.id, after=_snapshot(to_reallocation_read(reallocation)))
    after = _lines_snapshot(await repository.lines_of(session, allocation_set.id))
    auditor.record(session, principal, "REALLOCATE", ALLOCATION, allocation_set.id, before=before, after=after)
    return reallocation


def ensure_reallocation_reporter(principal: Principal, reallocation: Reallocation) -> None:
    if principal.service is not None:
        return  # the follow-up service, the only one the operation declares, reports for the whole municipality
    ensure_can_write(principal, reallocation.board_org_unit_id, ALLOCATION_WRITERS, "a reallocation between a board's activity areas")


async def report_reallocation(
    session: AsyncSession, principal: Principal, reallocation: Reallocation, data: ReallocationReport
) -> Reallocation:
    if reallocation.reported_at_occasion is not None:
        raise RuleViolation(
            f"a reallocation is reported once, at the next follow-up: it was reported at the {reallocation.reported_at_occasion} follow-up"
        )
    before = _snapshot(to_reallocation_read(reallocation))
    reallocation.reported_at_occasion = data.occasion.value
    reallocation.reported_at = utcnow()
    reallocation.updated_by = principal.user_id
    await session.flush()
    auditor.record(
        session, principal, "REPORT", REALLOCATION, reallocation.id, before=before, after=_snapshot(to_reallocation_read(reallocation))
    )
    return reallocation

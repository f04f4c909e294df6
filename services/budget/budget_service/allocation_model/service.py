"""The allocation model is the council's: it sets the target groups each board's activity is funded
by and their unit costs per budget year, and computes frame proposals from named publications of
the assumptions; a run is stored whole with every component and never changed afterwards."""

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.allocation_model import calculation, repository
from budget_service.allocation_model.calculation import ForecastRow, Group, Inputs, MissingInputs
from budget_service.allocation_model.models import ModelRun, ModelRunComponent, ModelRunFrame, TargetGroup, UnitCost
from budget_service.allocation_model.schemas import (
    BoardProposalRead,
    ComponentRead,
    ModelRunCreate,
    ModelRunRead,
    ModelRunSummary,
    TargetGroupCreate,
    TargetGroupRead,
    TargetGroupUpdate,
    UnitCostRead,
    UnitCostSet,
)
from budget_service.assumptions import repository as assumptions_repository
from budget_service.assumptions import service as assumptions_service
from budget_service.assumptions.schemas import age_class
from budget_service.db import auditor
from budget_service.units import require_board
from styrkedjan_common.identity import Principal
from styrkedjan_common.org_units import BOARDS, OrgUnitReplica
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of

# --- target groups and unit costs -------------------------------------------------------------

TARGET_GROUP = "target_group"
UNIT_COST = "target_group_unit_cost"


def check_ages(age_from: int | None, age_to: int | None) -> None:
    if age_from is None and age_to is not None:
        raise InvalidInput(
            "a target group without age_from is the whole population and has no age_to",
            errors=[{"pointer": "#/age_from", "detail": "required when age_to is given"}],
        )
    if age_from is not None and age_to is not None and age_to < age_from:
        raise InvalidInput(
            f"an age class runs upwards: age_to {age_to} is below age_from {age_from}",
            errors=[{"pointer": "#/age_to", "detail": "must not be below age_from"}],
        )


def target_group_snapshot(group: TargetGroup) -> dict[str, Any]:
    return TargetGroupRead.model_validate(group).model_dump(mode="json")


def unit_cost_snapshot(cost: UnitCost) -> dict[str, Any]:
    return UnitCostRead.model_validate(cost).model_dump(mode="json")


async def get_target_group(session: AsyncSession, target_group_id: uuid.UUID) -> TargetGroup:
    group = await repository.get_target_group(session, target_group_id)
    if group is None:
        raise NotFound(f"no target group {target_group_id}")
    return group


async def _ensure_unique(
    session: AsyncSession, board: uuid.UUID, activity: str, age_from: int | None, age_to: int | None, own_id: uuid.UUID | None = None
) -> None:
    same = await repository.same_target_group(session, board, activity, age_from, age_to)
    if same is not None and same.id != own_id:
        raise RuleViolation(
            f"one target group per board, activity and age class: the board already has {activity} for {age_class(age_from, age_to)} ({same.id})"
        )


async def create_target_group(
    session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: TargetGroupCreate
) -> TargetGroup:
    assumptions_service.ensure_council(principal, "a target group")
    await require_board(org_units, data.board_org_unit_id, "#/board_org_unit_id")
    check_ages(data.age_from, data.age_to)
    await _ensure_unique(session, data.board_org_unit_id, data.activity, data.age_from, data.age_to)
    group = TargetGroup(**data.model_dump(), created_by=principal.user_id, updated_by=principal.user_id)
    session.add(group)
    await session.flush()
    auditor.record(session, principal, "CREATE", TARGET_GROUP, group.id, after=target_group_snapshot(group))
    return group


async def update_target_group(session: AsyncSession, principal: Principal, group: TargetGroup, data: TargetGroupUpdate) -> TargetGroup:
    assumptions_service.ensure_council(principal, "a target group")
    changes = changes_of(data, nullable=frozenset({"age_from", "age_to"}))
    if all(getattr(group, name) == value for name, value in changes.items()):
        return group
    merged = {name: getattr(group, name) for name in ("activity", "age_from", "age_to")} | changes
    check_ages(merged["age_from"], merged["age_to"])
    await _ensure_unique(session, group.board_org_unit_id, merged["activity"], merged["age_from"], merged["age_to"], group.id)
    before = target_group_snapshot(group)
    for name, value in merged.items():
        setattr(group, name, value)
    group.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", TARGET_GROUP, group.id, before=before, after=target_group_snapshot(group))
    return group


async def delete_target_group(session: AsyncSession, principal: Principal, group: TargetGroup) -> None:
    """Its unit costs go with it; model runs keep their own record of what they used."""
    assumptions_service.ensure_council(principal, "a target group")
    before = target_group_snapshot(group)
    await session.delete(group)
    await session.flush()
    auditor.record(session, principal, "DELETE", TARGET_GROUP, group.id, before=before)


async def get_unit_cost(session: AsyncSession, target_group_id: uuid.UUID, budget_year: int) -> UnitCost:
    await get_target_group(session, target_group_id)
    cost = await repository.get_unit_cost(session, target_group_id, budget_year)
    if cost is None:
        raise NotFound(f"target group {target_group_id} has no unit cost for {budget_year}")
    return cost


async def set_unit_cost(
    session: AsyncSession, principal: Principal, group: TargetGroup, budget_year: int, data: UnitCostSet, existing: UnitCost | None
) -> UnitCost:
    assumptions_service.ensure_council(principal, "a unit cost")
    if existing is None:
        cost = UnitCost(
            target_group_id=group.id,
            budget_year=budget_year,
            cost_per_inhabitant=data.cost_per_inhabitant,
            coverage_rate=data.coverage_rate,
            created_by=principal.user_id,
            updated_by=principal.user_id,
        )
        session.add(cost)
        await session.flush()
        auditor.record(session, principal, "CREATE", UNIT_COST, cost.id, after=unit_cost_snapshot(cost))
        return cost
    if existing.cost_per_inhabitant == data.cost_per_inhabitant and existing.coverage_rate == data.coverage_rate:
        return existing
    before = unit_cost_snapshot(existing)
    existing.cost_per_inhabitant = data.cost_per_inhabitant
    existing.coverage_rate = data.coverage_rate
    existing.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", UNIT_COST, existing.id, before=before, after=unit_cost_snapshot(existing))
    return existing


# --- model runs --------------------------------------------------------------------------------

ENTITY = "model_run"


def _unique_boards(data: ModelRunCreate) -> dict[uuid.UUID, Any]:
    frames: dict[uuid.UUID, Any] = {}
    for position, frame in enumerate(data.base_frames):
        if frame.board_org_unit_id in frames:
            raise InvalidInput(
                f"a run has one base frame per board; board {frame.board_org_unit_id} is given twice",
                errors=[{"pointer": f"#/base_frames/{position}/board_org_unit_id", "detail": "board given twice"}],
            )
        frames[frame.board_org_unit_id] = frame.amount
    return frames


async def _check_base_frames(org_units: OrgUnitReplica, data: ModelRunCreate) -> None:
    for position, frame in enumerate(data.base_frames):
        await require_board(org_units, frame.board_org_unit_id, f"#/base_frames/{position}/board_org_unit_id", data.budget_year)


def _groups_of_valid_boards(
    org_units: OrgUnitReplica, groups: list[tuple[TargetGroup, UnitCost | None]], year: int
) -> tuple[list[tuple[TargetGroup, UnitCost | None]], list[str]]:
    """The target groups whose board is a board in the budget year, and a warning for each of the
    others: a board closed or unknown to the directory gets no frame, so one stale target group must
    not make every run a 422 asking for a base frame of a board that no longer exists."""
    kept, warnings = [], []
    for group, cost in groups:
        board = org_units.units.get(str(group.board_org_unit_id))
        if board is not None and board.type in BOARDS and board.exists_in(year):
            kept.append((group, cost))
        else:
            why = "is not in the directory" if board is None else f"({board.name}) is not a board in {year}"
            warnings.append(
                f"target group {group.activity}, {age_class(group.age_from, group.age_to)} ({group.id}) left out: "
                f"its board {group.board_org_unit_id} {why}"
            )
    return kept, warnings


async def _inputs(session: AsyncSession, org_units: OrgUnitReplica, data: ModelRunCreate) -> tuple[Inputs, list[str]]:
    year = data.budget_year
    index = await assumptions_repository.price_index(session, data.price_index_name, data.price_index_publication_date, year)
    forecasts = await assumptions_repository.population_rows(session, data.population_publication_date, (year - 1, year))
    groups, warnings = _groups_of_valid_boards(org_units, await repository.all_target_groups_with_unit_costs(session, year), year)
    inputs = Inputs(
        budget_year=year,
        population_publication_date=data.population_publication_date,
        forecasts=[ForecastRow(r.year, r.age_from, r.age_to, r.count) for r in forecasts],
        price_index_name=data.price_index_name,
        price_index_publication_date=data.price_index_publication_date,
        price_index_pct=index.pct_change if index is not None else None,
        wage_compensation_pct=data.wage_compensation_pct,
        efficiency_pct=data.efficiency_pct,
        base_frames=_unique_boards(data),
        groups=[
            Group(
                id=g.id,
                board_org_unit_id=g.board_org_unit_id,
                activity=g.activity,
                age_from=g.age_from,
                age_to=g.age_to,
                cost_per_inhabitant=cost.cost_per_inhabitant if cost is not None else None,
                coverage_rate=cost.coverage_rate if cost is not None else None,
            )
            for g, cost in groups
        ],
    )
    return inputs, warnings


def to_summary(run: ModelRun) -> ModelRunSummary:
    return ModelRunSummary.model_validate(run)


def to_read(run: ModelRun, frames: list[ModelRunFrame], components: list[ModelRunComponent]) -> ModelRunRead:
    by_board: dict[uuid.UUID, list[ComponentRead]] = {}
    for component in components:
        by_board.setdefault(component.board_org_unit_id, []).append(ComponentRead.model_validate(component))
    boards = [
        BoardProposalRead(
            board_org_unit_id=f.board_org_unit_id,
            base_amount=f.base_amount,
            proposal_amount=f.proposal_amount,
            components=by_board.get(f.board_org_unit_id, []),
        )
        for f in frames
    ]
    return ModelRunRead(**to_summary(run).model_dump(), boards=boards)


async def create(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: ModelRunCreate) -> ModelRunRead:
    assumptions_service.ensure_council(principal, "a model run")
    await _check_base_frames(org_units, data)
    inputs, warnings = await _inputs(session, org_units, data)
    try:
        proposals = calculation.compute(inputs)
    except MissingInputs as missing:
        raise InvalidInput(f"the model run lacks inputs: {missing}", errors=missing.errors) from None
    run = ModelRun(
        budget_year=data.budget_year,
        population_publication_date=data.population_publication_date,
        price_index_name=data.price_index_name,
        price_index_publication_date=data.price_index_publication_date,
        price_index_pct=inputs.price_index_pct,
        wage_compensation_pct=data.wage_compensation_pct,
        efficiency_pct=data.efficiency_pct,
        total_proposal=sum((p.proposal for p in proposals), Decimal("0.00")),
        created_by=principal.user_id,
    )
    session.add(run)
    await session.flush()
    frames = [
        ModelRunFrame(model_run_id=run.id, board_org_unit_id=p.board_org_unit_id, base_amount=p.base_amount, proposal_amount=p.proposal)
        for p in proposals
    ]
    components = [
        ModelRunComponent(
            model_run_id=run.id,
            board_org_unit_id=p.board_org_unit_id,
            position=position,
            kind=c.kind.value,
            target_group_id=c.target_group_id,
            amount=c.amount,
            explanation=c.explanation,
        )
        for p in proposals
        for position, c in enumerate(p.components)
    ]
    session.add_all([*frames, *components])
    await session.flush()
    summary = to_summary(run).model_dump(mode="json")
    proposals_ = [
        {"board_org_unit_id": str(f.board_org_unit_id), "base_amount": str(f.base_amount), "proposal_amount": str(f.proposal_amount)}
        for f in frames
    ]
    auditor.record(session, principal, "CREATE", ENTITY, run.id, after=summary | {"proposals": proposals_, "warnings": warnings})
    read = to_read(run, sorted(frames, key=lambda f: f.board_org_unit_id), components)
    read.warnings = warnings
    return read


async def read(session: AsyncSession, run_id: uuid.UUID) -> ModelRunRead:
    run = await repository.get(session, run_id)
    if run is None:
        raise NotFound(f"no model run {run_id}")
    frames, components = await repository.frames_and_components(session, run_id)
    return to_read(run, frames, components)

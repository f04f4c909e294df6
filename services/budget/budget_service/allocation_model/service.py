"""Model runs: the council computes frame proposals from named publications of the assumptions; a run
is stored whole with every component and never changed afterwards."""

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.allocation_model import calculation, repository
from budget_service.allocation_model.calculation import ForecastRow, Group, Inputs, MissingInputs
from budget_service.allocation_model.models import ModelRun, ModelRunComponent, ModelRunFrame
from budget_service.allocation_model.schemas import BoardProposalRead, ComponentRead, ModelRunCreate, ModelRunRead, ModelRunSummary
from budget_service.assumptions import repository as assumptions
from budget_service.assumptions.service import ensure_council
from budget_service.db import auditor
from styrkedjan_common.identity import Principal
from styrkedjan_common.problems import InvalidInput, NotFound

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


async def _inputs(session: AsyncSession, data: ModelRunCreate) -> Inputs:
    year = data.budget_year
    index = await assumptions.price_index(session, data.price_index_name, data.price_index_publication_date, year)
    forecasts = await assumptions.population_rows(session, data.population_publication_date, (year - 1, year))
    groups = await assumptions.all_target_groups_with_unit_costs(session, year)
    return Inputs(
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


async def create(session: AsyncSession, principal: Principal, data: ModelRunCreate) -> ModelRunRead:
    ensure_council(principal, "a model run")
    inputs = await _inputs(session, data)
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
    auditor.record(session, principal, "CREATE", ENTITY, run.id, after=summary | {"proposals": proposals_})
    return to_read(run, sorted(frames, key=lambda f: f.board_org_unit_id), components)


async def read(session: AsyncSession, run_id: uuid.UUID) -> ModelRunRead:
    run = await repository.get(session, run_id)
    if run is None:
        raise NotFound(f"no model run {run_id}")
    frames, components = await repository.frames_and_components(session, run_id)
    return to_read(run, frames, components)

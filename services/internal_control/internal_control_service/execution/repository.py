"""Every query of the execution area: results, deviations and actions, each read with the plan
(board and year) it belongs to, since that is what scope is checked against."""

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from internal_control_service.execution.models import Action, ControlResult, Deviation
from internal_control_service.execution.paging import Keyset
from internal_control_service.execution.schemas import ActionStatus
from internal_control_service.plans.models import ControlActivity, ControlPlan


def after_keyset(model: Any, after: Keyset | None) -> ColumnElement[bool]:
    """Rows after the cursor in (created_at, id) order."""
    if after is None:
        return true()
    at, last_id = after
    return or_(model.created_at > at, and_(model.created_at == at, model.id > last_id))


def _in_boards(boards: Collection[uuid.UUID] | None) -> ColumnElement[bool]:
    return true() if boards is None else ControlPlan.board_org_unit_id.in_(boards)


# A result with its plan's id, board and year, and the deviation it opened (None: none, the outer join).
ResultRow = Row[ControlResult, uuid.UUID, uuid.UUID, int, uuid.UUID | None]
# A deviation with its result's activity and occasion, the activity's area and its plan's board and year.
DeviationRow = Row[Deviation, uuid.UUID, str, str, uuid.UUID, int]
# An action with its deviation and the board of the plan it belongs to.
ActionRow = Row[Action, Deviation, uuid.UUID]


def _of_board_and_year(board_org_unit_ids: Collection[uuid.UUID] | None, year: int | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if board_org_unit_ids is not None:
        conditions.append(ControlPlan.board_org_unit_id.in_(board_org_unit_ids))
    if year is not None:
        conditions.append(ControlPlan.year == year)
    return conditions


# --- activities and results ---------------------------------------------------------------


async def get_activity(session: AsyncSession, activity_id: uuid.UUID) -> Row[ControlActivity, ControlPlan] | None:
    query = (
        select(ControlActivity, ControlPlan)
        .join(ControlPlan, ControlPlan.id == ControlActivity.plan_id)
        .where(ControlActivity.id == activity_id)
    )
    return (await session.execute(query)).first()


async def result_exists(session: AsyncSession, activity_id: uuid.UUID, occasion: str) -> bool:
    query = select(exists().where(ControlResult.activity_id == activity_id, ControlResult.occasion == occasion))
    return bool(await session.scalar(query))


def _results() -> Select[ControlResult, uuid.UUID, uuid.UUID, int, uuid.UUID]:
    return (
        select(ControlResult, ControlActivity.plan_id, ControlPlan.board_org_unit_id, ControlPlan.year, Deviation.id.label("deviation_id"))
        .join(ControlActivity, ControlActivity.id == ControlResult.activity_id)
        .join(ControlPlan, ControlPlan.id == ControlActivity.plan_id)
        .outerjoin(Deviation, Deviation.result_id == ControlResult.id)
    )


async def list_results(
    session: AsyncSession,
    *,
    activity_id: uuid.UUID | None = None,
    board_org_unit_ids: Collection[uuid.UUID] | None = None,
    year: int | None = None,
    boards: Collection[uuid.UUID] | None,
    limit: int,
    after: Keyset | None,
) -> Sequence[ResultRow]:
    query = (
        _results()
        .where(_in_boards(boards), after_keyset(ControlResult, after), *_of_board_and_year(board_org_unit_ids, year))
        .order_by(ControlResult.created_at, ControlResult.id)
        .limit(limit)
    )
    if activity_id is not None:
        query = query.where(ControlResult.activity_id == activity_id)
    return (await session.execute(query)).all()


async def get_result(session: AsyncSession, result_id: uuid.UUID) -> ResultRow | None:
    return (await session.execute(_results().where(ControlResult.id == result_id))).first()


# --- deviations and actions ---------------------------------------------------------------


def _deviations() -> Select[Deviation, uuid.UUID, str, str, uuid.UUID, int]:
    return (
        select(
            Deviation,
            ControlResult.activity_id,
            ControlResult.occasion,
            ControlActivity.area,
            ControlPlan.board_org_unit_id,
            ControlPlan.year,
        )
        .join(ControlResult, ControlResult.id == Deviation.result_id)
        .join(ControlActivity, ControlActivity.id == ControlResult.activity_id)
        .join(ControlPlan, ControlPlan.id == ControlActivity.plan_id)
    )


async def get_deviation(session: AsyncSession, deviation_id: uuid.UUID) -> DeviationRow | None:
    return (await session.execute(_deviations().where(Deviation.id == deviation_id))).first()


async def list_deviations(
    session: AsyncSession,
    *,
    board_org_unit_ids: Collection[uuid.UUID] | None,
    year: int | None,
    status: str | None,
    boards: Collection[uuid.UUID] | None,
    limit: int,
    after: Keyset | None,
) -> Sequence[DeviationRow]:
    query = (
        _deviations()
        .where(_in_boards(boards), after_keyset(Deviation, after), *_of_board_and_year(board_org_unit_ids, year))
        .order_by(Deviation.created_at, Deviation.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(Deviation.status == status)
    return (await session.execute(query)).all()


async def actions_of(session: AsyncSession, deviation_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Action]]:
    """The actions of a whole page of deviations in one query, oldest first."""
    grouped: dict[uuid.UUID, list[Action]] = defaultdict(list)
    if deviation_ids:
        query = select(Action).where(Action.deviation_id.in_(deviation_ids)).order_by(Action.created_at, Action.id)
        for action in (await session.scalars(query)).all():
            grouped[action.deviation_id].append(action)
    return grouped


async def count_actions(session: AsyncSession, deviation_id: uuid.UUID) -> int:
    return await session.scalar(select(func.count()).select_from(Action).where(Action.deviation_id == deviation_id)) or 0


async def count_open_actions(session: AsyncSession, deviation_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(Action).where(Action.deviation_id == deviation_id, Action.status == ActionStatus.OPEN.value)
    return await session.scalar(query) or 0


async def get_action(session: AsyncSession, action_id: uuid.UUID) -> ActionRow | None:
    query = (
        select(Action, Deviation, ControlPlan.board_org_unit_id)
        .join(Deviation, Deviation.id == Action.deviation_id)
        .join(ControlResult, ControlResult.id == Deviation.result_id)
        .join(ControlActivity, ControlActivity.id == ControlResult.activity_id)
        .join(ControlPlan, ControlPlan.id == ControlActivity.plan_id)
        .where(Action.id == action_id)
    )
    return (await session.execute(query)).first()

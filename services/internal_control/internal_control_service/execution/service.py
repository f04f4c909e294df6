"""The execution of control plans (seed: "Intern kontroll", "Bilagor"): during the year the
activities of a board's decided plan are carried out and their results recorded; a result with a
deviation opens one, remedied by actions, and closed once no action is left open.

Internal control is read in scope: a board's results and deviations are seen by the callers whose
scope covers the board, and by the auditors; to anyone else they do not exist (404)."""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from internal_control_service.db import auditor
from internal_control_service.execution import deadlines, repository
from internal_control_service.execution.models import Action, ControlResult, Deviation
from internal_control_service.execution.repository import ActionRow, DeviationRow, ResultRow
from internal_control_service.execution.schemas import (
    MAX_ACTIONS_PER_DEVIATION,
    ActionCreate,
    ActionRead,
    ActionStatus,
    ActionUpdate,
    DeviationClosure,
    DeviationRead,
    DeviationStatus,
    Outcome,
    ResultCreate,
    ResultRead,
)
from styrkedjan_common.db import lock_for_rule, utcnow
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import can_read_unpublished, ensure_can_write, readable_unit_ids

RESULT, DEVIATION, ACTION = "control_result", "deviation", "action"
READERS = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR)
# The board itself, its administration and the units that carry the controls out.
WRITERS = (Role.NAMND, Role.FORVALTNING, Role.ENHET)


# --- scope --------------------------------------------------------------------------------


def ensure_readable(principal: Principal, board_org_unit_id: uuid.UUID, missing: str) -> None:
    """Outside the caller's scope a board's internal control does not exist: 404 naming `missing`."""
    if not can_read_unpublished(principal, board_org_unit_id):
        raise NotFound(missing)


def boards_to_list(principal: Principal, board_org_unit_id: uuid.UUID | None) -> frozenset[uuid.UUID] | None:
    """The boards a list may show (None: no restriction). Asking for a board outside the caller's
    scope is a 404, as reading one of its records would be; the boards it succeeded are listed as
    far as the caller's scope reaches."""
    if board_org_unit_id is not None:
        ensure_readable(principal, board_org_unit_id, f"no board {board_org_unit_id} in your scope")
    return readable_unit_ids(principal)


def _snapshot(read: BaseModel) -> dict[str, Any]:
    # The audit trail keeps what was written, not the board's name looked up beside it.
    return read.model_dump(mode="json", exclude={"board_org_unit"})


# --- results ------------------------------------------------------------------------------


def to_result_read(
    result: ControlResult, plan_id: uuid.UUID, board_org_unit_id: uuid.UUID, year: int, deviation_id: uuid.UUID | None
) -> ResultRead:
    return ResultRead(
        id=result.id,
        activity_id=result.activity_id,
        plan_id=plan_id,
        board_org_unit_id=board_org_unit_id,
        year=year,
        occasion=result.occasion,
        outcome=Outcome(result.outcome),
        evidence=result.evidence,
        checked_on=result.checked_on,
        deviation_id=deviation_id,
        created_at=result.created_at,
        created_by=result.created_by,
    )


def result_of_row(row: ResultRow) -> ResultRead:
    return to_result_read(row.ControlResult, row.plan_id, row.board_org_unit_id, row.year, row.deviation_id)


def _check_deviation_description(data: ResultCreate) -> None:
    if data.outcome == Outcome.DEVIATION and data.deviation_description is None:
        raise InvalidInput(
            "a result with a deviation describes what was found",
            errors=[{"pointer": "#/deviation_description", "detail": "required when outcome is DEVIATION"}],
        )
    if data.outcome == Outcome.NO_REMARK and data.deviation_description is not None:
        raise InvalidInput(
            "a result without remark has no deviation to describe",
            errors=[{"pointer": "#/deviation_description", "detail": "only with outcome DEVIATION"}],
        )


async def ensure_activity_readable(session: AsyncSession, principal: Principal, activity_id: uuid.UUID) -> None:
    row = await repository.get_activity(session, activity_id)
    if row is None:
        raise NotFound(f"no control activity {activity_id}")
    ensure_readable(principal, row.ControlPlan.board_org_unit_id, f"no control activity {activity_id}")


async def record_result(session: AsyncSession, principal: Principal, activity_id: uuid.UUID, data: ResultCreate) -> ResultRead:
    row = await repository.get_activity(session, activity_id)
    if row is None:
        raise NotFound(f"no control activity {activity_id}")
    plan = row.ControlPlan
    ensure_can_write(principal, plan.board_org_unit_id, WRITERS, "a control result")
    if plan.status != Status.DECIDED.value:
        raise RuleViolation(
            f"results are recorded only for control activities of a decided control plan; the plan of this activity is {plan.status}"
        )
    _check_deviation_description(data)
    occasion = data.occasion.strip()
    if await repository.result_exists(session, activity_id, occasion):
        raise RuleViolation(f"one result per control activity and occasion: a result for {occasion!r} is already recorded")
    result = ControlResult(
        activity_id=activity_id,
        occasion=occasion,
        outcome=data.outcome.value,
        evidence=data.evidence,
        checked_on=data.checked_on,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(result)
    await session.flush()
    deviation = None
    if data.outcome == Outcome.DEVIATION:
        deviation = Deviation(
            result_id=result.id,
            description=data.deviation_description,
            status=DeviationStatus.OPEN.value,
            created_by=principal.user_id,
            updated_by=principal.user_id,
        )
        session.add(deviation)
        await session.flush()
    read = to_result_read(result, plan.id, plan.board_org_unit_id, plan.year, deviation.id if deviation else None)
    auditor.record(session, principal, "CREATE", RESULT, result.id, after=_snapshot(read))
    if deviation is not None:
        auditor.record(
            session,
            principal,
            "CREATE",
            DEVIATION,
            deviation.id,
            after=_snapshot(to_deviation_read(deviation, result, plan, row.ControlActivity.area, [])),
        )
    return read


# --- deviations ---------------------------------------------------------------------------


def is_overdue(status: str, due_date: dt.date) -> bool:
    return status == ActionStatus.OPEN.value and due_date < deadlines.today()


def to_action_read(action: Action) -> ActionRead:
    return ActionRead(
        id=action.id,
        deviation_id=action.deviation_id,
        description=action.description,
        owner=action.owner,
        due_date=action.due_date,
        status=ActionStatus(action.status),
        overdue=is_overdue(action.status, action.due_date),
        created_at=action.created_at,
        updated_at=action.updated_at,
        updated_by=action.updated_by,
        row_version=action.row_version,
    )


def to_deviation_read(deviation: Deviation, result: Any, plan: Any, area: str, actions: Sequence[Action]) -> DeviationRead:
    """`result` and `plan` need only the attributes read here (ids, occasion, board, year)."""
    return DeviationRead(
        id=deviation.id,
        result_id=deviation.result_id,
        activity_id=result.activity_id,
        board_org_unit_id=plan.board_org_unit_id,
        year=plan.year,
        area=area,
        occasion=result.occasion,
        description=deviation.description,
        status=DeviationStatus(deviation.status),
        closed_at=deviation.closed_at,
        closed_by=deviation.closed_by,
        closing_note=deviation.closing_note,
        actions=[to_action_read(a) for a in actions],
        created_at=deviation.created_at,
        created_by=deviation.created_by,
        row_version=deviation.row_version,
    )


def deviation_of_row(row: DeviationRow, actions: Sequence[Action]) -> DeviationRead:
    return to_deviation_read(row.Deviation, row, row, row.area, actions)


def _checked(principal: Principal, board_org_unit_id: uuid.UUID, missing: str, write: str | None) -> None:
    """A read outside scope finds nothing (404); a write outside scope is refused (403) naming `write`."""
    if write is None:
        ensure_readable(principal, board_org_unit_id, missing)
    else:
        ensure_can_write(principal, board_org_unit_id, WRITERS, write)


async def get_deviation(session: AsyncSession, principal: Principal, deviation_id: uuid.UUID, write: str | None = None) -> DeviationRow:
    row = await repository.get_deviation(session, deviation_id)
    if row is None:
        raise NotFound(f"no deviation {deviation_id}")
    _checked(principal, row.board_org_unit_id, f"no deviation {deviation_id}", write)
    return row


async def read_deviation(session: AsyncSession, row: DeviationRow) -> DeviationRead:
    actions = await repository.actions_of(session, [row.Deviation.id])
    return deviation_of_row(row, actions[row.Deviation.id])


async def read_deviations(session: AsyncSession, rows: Sequence[DeviationRow]) -> list[DeviationRead]:
    actions = await repository.actions_of(session, [row.Deviation.id for row in rows])
    return [deviation_of_row(row, actions[row.Deviation.id]) for row in rows]


async def _serialised(session: AsyncSession, deviation: Deviation) -> None:
    """Closing a deviation and adding or reopening one of its actions wait for each other, so a
    deviation is never closed beside an action opened meanwhile."""
    await lock_for_rule(session, f"deviation:{deviation.id}")
    await session.refresh(deviation)


def _ensure_open(deviation: Deviation, what: str) -> None:
    if deviation.status == DeviationStatus.CLOSED.value:
        raise RuleViolation(f"a closed deviation is kept as it was closed: {what}")


async def close_deviation(session: AsyncSession, principal: Principal, row: DeviationRow, data: DeviationClosure) -> DeviationRead:
    deviation: Deviation = row.Deviation
    await _serialised(session, deviation)
    _ensure_open(deviation, "it is already closed")
    still_open = await repository.count_open_actions(session, deviation.id)
    if still_open:
        raise RuleViolation(
            f"a deviation is closed only when none of its actions is open: {still_open} action(s) still OPEN; mark them DONE or CANCELLED first"
        )
    before = await read_deviation(session, row)
    deviation.status = DeviationStatus.CLOSED.value
    deviation.closed_at = utcnow()
    deviation.closed_by = principal.user_id
    deviation.closing_note = data.closing_note
    deviation.updated_by = principal.user_id
    await session.flush()
    after = await read_deviation(session, row)
    auditor.record(session, principal, "CLOSE", DEVIATION, deviation.id, before=_snapshot(before), after=_snapshot(after))
    return after


# --- actions ------------------------------------------------------------------------------


async def _ensure_room_for_an_action(session: AsyncSession, deviation: Deviation) -> None:
    if await repository.count_actions(session, deviation.id) >= MAX_ACTIONS_PER_DEVIATION:
        raise RuleViolation(f"a deviation has at most {MAX_ACTIONS_PER_DEVIATION} actions; gather further measures into broader ones")


async def add_action(session: AsyncSession, principal: Principal, row: DeviationRow, data: ActionCreate) -> Action:
    await _serialised(session, row.Deviation)
    _ensure_open(row.Deviation, "it takes no new actions")
    await _ensure_room_for_an_action(session, row.Deviation)
    action = Action(
        deviation_id=row.Deviation.id,
        description=data.description,
        owner=data.owner,
        due_date=data.due_date,
        status=ActionStatus.OPEN.value,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(action)
    await session.flush()
    auditor.record(session, principal, "CREATE", ACTION, action.id, after=_snapshot(to_action_read(action)))
    return action


async def get_action(session: AsyncSession, principal: Principal, action_id: uuid.UUID, write: str | None = None) -> ActionRow:
    row = await repository.get_action(session, action_id)
    if row is None:
        raise NotFound(f"no action {action_id}")
    _checked(principal, row.board_org_unit_id, f"no action {action_id}", write)
    return row


async def update_action(session: AsyncSession, principal: Principal, row: ActionRow, data: ActionUpdate) -> Action:
    action: Action = row.Action
    await _serialised(session, row.Deviation)
    _ensure_open(row.Deviation, "its actions are not changed")
    changes = changes_of(data)
    before = to_action_read(action)
    if all(getattr(action, name) == value for name, value in changes.items()):
        return action  # nothing changes: no new row version, no audit event
    for name, value in changes.items():
        setattr(action, name, str(value) if isinstance(value, ActionStatus) else value)
    action.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", ACTION, action.id, before=_snapshot(before), after=_snapshot(to_action_read(action)))
    return action

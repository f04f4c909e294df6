"""The control plans' rules (seed: "Intern kontroll", "Bilagor"): each board decides an internal
control plan (internkontrollplan) for next year by December, holding its control activities; the
executive board adds common controls (kommungemensamma kontrollpunkter) to every board's plan.

Internal control is read in scope: a board's plans by those whose scope covers the board, by the
auditors, and by the executive board (fullmaktige with the whole municipality in scope)."""

import datetime as dt
import uuid
from collections.abc import Iterable
from functools import partial
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from internal_control_service.boards import require_board
from internal_control_service.db import auditor
from internal_control_service.plans import repository
from internal_control_service.plans.models import CommonControl, CommonControlWithdrawal, ControlActivity, ControlPlan
from internal_control_service.plans.schemas import (
    CommonControlCreate,
    CommonControlRead,
    CommonControlUpdate,
    ControlActivityCreate,
    ControlActivityRead,
    ControlActivityUpdate,
    ControlPlanCreate,
    ControlPlanDetail,
    ControlPlanRead,
    ControlPlanUpdate,
)
from styrkedjan_common import scope as access
from styrkedjan_common.db import utcnow
from styrkedjan_common.http import EMBEDDED_MAX, cursor_values, page_of
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision, Status, Transition, apply_transition, ensure_draft
from styrkedjan_common.org_units import OrgUnitReplica
from styrkedjan_common.problems import Forbidden, InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of

COMMON_CONTROL, PLAN, ACTIVITY = "common_control", "control_plan", "control_activity"
DRAFTERS = (Role.NAMND, Role.FORVALTNING)
DECIDERS = (Role.NAMND,)
# Roles whose scope opens a board's internal control to reading; admin works outside the domain.
DOMAIN_ROLES = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET)
RISK_CONTROLLED = "CONTROL"
COMMON_CONTROL_FIELDS = ("what_is_checked", "method", "frequency", "report_to", "report_when")


def today() -> dt.date:
    """The date `late` is judged on; tests replace it."""
    return dt.date.today()


# --- reading and writing rights --------------------------------------------------------------


def roles_for(step: Transition | None) -> tuple[Role, ...]:
    """The board decides (and archives) its plan; the board and its administration draft, propose and take a proposal back."""
    return DECIDERS if step in (Transition.DECIDE, Transition.ARCHIVE) else DRAFTERS


def ensure_writer(principal: Principal, board_id: uuid.UUID, step: Transition | None = None) -> None:
    what = "a board's control plan" if step is None else f"the {step.value} step of a board's control plan"
    access.ensure_can_write(principal, board_id, roles_for(step), what)


def ensure_executive_board(principal: Principal) -> None:
    if principal.scope_of((Role.FULLMAKTIGE,)) is not None:
        raise Forbidden("common controls are written by the executive board: fullmaktige with the whole municipality in scope")


def readable_boards(principal: Principal) -> frozenset[uuid.UUID] | None:
    """The boards whose internal control the caller reads; None means every board."""
    if principal.has_any_role(access.READS_EVERYTHING):
        return None
    units = principal.scope_of(DOMAIN_ROLES)
    return None if units is None else access.unit_ids(units)


def can_read_board(principal: Principal, board_id: uuid.UUID) -> bool:
    return principal.has_any_role(access.READS_EVERYTHING) or principal.can_act_on(str(board_id), DOMAIN_ROLES)


# --- representations -------------------------------------------------------------------------


def deadline(year: int) -> dt.date:
    """The plan for a year is decided by December of the year before."""
    return dt.date(year - 1, 12, 31)


def is_late(plan: ControlPlan, on: dt.date) -> bool:
    # A revision (it replaces a decided plan) leaves the board with a plan in force: not late.
    return Status(plan.status) in (Status.DRAFT, Status.PROPOSED) and plan.replaces_id is None and on > deadline(plan.year)


def common_control_read(control: CommonControl) -> CommonControlRead:
    return CommonControlRead.model_validate(control)


def activity_read(activity: ControlActivity) -> ControlActivityRead:
    return ControlActivityRead.model_validate(activity)


def plan_read(plan: ControlPlan) -> ControlPlanRead:
    return ControlPlanRead(
        id=plan.id,
        board_org_unit_id=plan.board_org_unit_id,
        year=plan.year,
        title=plan.title,
        revision=plan.revision,
        replaces_id=plan.replaces_id,
        status=Status(plan.status),
        decision=plan.decision(),
        late=is_late(plan, today()),
        created_at=plan.created_at,
        created_by=plan.created_by,
        updated_at=plan.updated_at,
        updated_by=plan.updated_by,
        row_version=plan.row_version,
    )


def activity_position(cursor: dict[str, Any] | None) -> tuple[dt.datetime, uuid.UUID] | None:
    """Where a page of a plan's activities starts, from the cursor the page before ended with."""
    return cursor_values(cursor, at=dt.datetime.fromisoformat, id=uuid.UUID) if cursor else None


async def activity_page(
    session: AsyncSession, plan: ControlPlan, limit: int, after: tuple[dt.datetime, uuid.UUID] | None
) -> tuple[list[ControlActivityRead], str | None]:
    rows = await repository.activity_page(session, plan.id, limit + 1, after)
    page, next_cursor = page_of(rows, limit, lambda last: {"at": last.created_at.isoformat(), "id": str(last.id)})
    return [activity_read(a) for a in page], next_cursor


async def plan_detail(session: AsyncSession, plan: ControlPlan) -> ControlPlanDetail:
    """The plan with its first activities (the first page of its activities) and how many it has."""
    activities, next_cursor = await activity_page(session, plan, EMBEDDED_MAX, None)
    count = await repository.count_activities(session, plan.id) if next_cursor else len(activities)
    return ControlPlanDetail(
        **plan_read(plan).model_dump(), activities=activities, activity_count=count, activities_next_cursor=next_cursor
    )


def _snapshot(read: BaseModel) -> dict[str, Any]:
    # The audit trail keeps what was written: not what is computed (lateness) or looked up (names).
    return read.model_dump(mode="json", exclude={"late", "board_org_unit"})


def _plan_snapshot(plan: ControlPlan, activities: Iterable[ControlActivity] | None = None) -> dict[str, Any]:
    snapshot = _snapshot(plan_read(plan))
    if activities is not None:
        snapshot["activities"] = [_snapshot(activity_read(a)) for a in activities]
    return snapshot


def _touch(plans: Iterable[ControlPlan], principal: Principal) -> None:
    """A change of a plan's activities is a change of the plan: its ETag moves, so whoever
    decides it with If-Match has seen the activities it decides."""
    for plan in plans:
        plan.updated_by = principal.user_id
        plan.updated_at = utcnow()


# --- common controls -------------------------------------------------------------------------


async def get_common_control(session: AsyncSession, common_control_id: uuid.UUID) -> CommonControl:
    control = await repository.get_common_control(session, common_control_id)
    if control is None:
        raise NotFound(f"no common control {common_control_id}")
    return control


async def list_common_controls(
    session: AsyncSession, *, year: int | None, limit: int, after: tuple[int, uuid.UUID] | None
) -> list[CommonControl]:
    return await repository.list_common_controls(session, year=year, limit=limit, after=after)


def _word_as(activity: ControlActivity, control: CommonControl) -> None:
    """The plan carries the common control as the executive board worded it."""
    activity.area = control.title
    for name in COMMON_CONTROL_FIELDS:
        setattr(activity, name, getattr(control, name))


def _common_copy(control: CommonControl, plan_id: uuid.UUID, principal: Principal) -> ControlActivity:
    activity = ControlActivity(plan_id=plan_id, common_control_id=control.id, created_by=principal.user_id, updated_by=principal.user_id)
    _word_as(activity, control)
    return activity


async def create_common_control(session: AsyncSession, principal: Principal, data: CommonControlCreate) -> CommonControl:
    """The new control joins every draft plan of its year; plans past draft were prepared without it."""
    ensure_executive_board(principal)
    control = CommonControl(**data.model_dump(), created_by=principal.user_id, updated_by=principal.user_id)
    session.add(control)
    await session.flush()
    plans = await repository.drafts_of_year(session, data.year)
    copies = [_common_copy(control, plan.id, principal) for plan in plans]
    session.add_all(copies)
    _touch(plans, principal)
    await session.flush()
    auditor.record(session, principal, "CREATE", COMMON_CONTROL, control.id, after=_snapshot(common_control_read(control)))
    for copy in copies:
        auditor.record(session, principal, "CREATE", ACTIVITY, copy.id, after=_snapshot(activity_read(copy)))
    return control


async def update_common_control(
    session: AsyncSession, principal: Principal, control: CommonControl, data: CommonControlUpdate
) -> CommonControl:
    """The new wording reaches the copies in draft plans; plans past draft keep what they were prepared with."""
    ensure_executive_board(principal)
    changes = changes_of(data)
    if all(getattr(control, name) == value for name, value in changes.items()):
        return control  # nothing changes: no new row version, no audit event
    before = _snapshot(common_control_read(control))
    for name, value in changes.items():
        setattr(control, name, value)
    control.updated_by = principal.user_id
    copies = await repository.copies_of(session, control.id, (Status.DRAFT.value,))
    copies_before = [_snapshot(activity_read(copy)) for copy in copies]
    for copy in copies:
        _word_as(copy, control)
        copy.updated_by = principal.user_id
    _touch(await repository.plans_by_ids(session, {copy.plan_id for copy in copies}), principal)
    await session.flush()
    auditor.record(session, principal, "UPDATE", COMMON_CONTROL, control.id, before=before, after=_snapshot(common_control_read(control)))
    for copy, copy_before in zip(copies, copies_before, strict=True):
        auditor.record(session, principal, "UPDATE", ACTIVITY, copy.id, before=copy_before, after=_snapshot(activity_read(copy)))
    return control


async def delete_common_control(session: AsyncSession, principal: Principal, control: CommonControl) -> None:
    """Draft plans drop the control. Plans past draft keep theirs, so a control they carry is only
    marked withdrawn: their activities keep naming it."""
    ensure_executive_board(principal)
    before = _snapshot(common_control_read(control))
    copies = await repository.copies_of(session, control.id, (Status.DRAFT.value,))
    for copy in copies:
        auditor.record(session, principal, "DELETE", ACTIVITY, copy.id, before=_snapshot(activity_read(copy)))
        await session.delete(copy)
    _touch(await repository.plans_by_ids(session, {copy.plan_id for copy in copies}), principal)
    await session.flush()
    if await repository.is_carried_past_draft(session, control.id):
        session.add(CommonControlWithdrawal(common_control_id=control.id, withdrawn_by=principal.user_id))
    else:
        await session.delete(control)
    await session.flush()
    auditor.record(session, principal, "DELETE", COMMON_CONTROL, control.id, before=before)


# --- control plans ---------------------------------------------------------------------------


async def get_readable_plan(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> ControlPlan:
    # Another board's plan is not found rather than forbidden: its existence is not disclosed.
    plan = await repository.get_plan(session, plan_id)
    if plan is None or not can_read_board(principal, plan.board_org_unit_id):
        raise NotFound(f"no control plan {plan_id}")
    return plan


async def list_plans(
    session: AsyncSession,
    principal: Principal,
    *,
    board_ids: list[uuid.UUID] | None,
    year: int | None,
    status: Status | None,
    limit: int,
    after: tuple[int, uuid.UUID] | None,
) -> list[ControlPlan]:
    return await repository.list_plans(
        session, boards=readable_boards(principal), board_ids=board_ids, year=year, status=status, limit=limit, after=after
    )


async def _sync_common_controls(
    session: AsyncSession, principal: Principal, plan: ControlPlan, activities: list[ControlActivity]
) -> list[ControlActivity]:
    """A draft carries every current common control of its year as last worded, and no withdrawn one.
    Returns the plan's activities afterwards."""
    current = {control.id: control for control in await repository.common_controls_of_year(session, plan.year)}
    kept = []
    for activity in activities:
        control = current.get(activity.common_control_id) if activity.common_control_id else None
        if activity.common_control_id is not None and control is None:
            await session.delete(activity)
            continue
        if control is not None:
            _word_as(activity, control)
        kept.append(activity)
    carried = {activity.common_control_id for activity in kept}
    added = [_common_copy(control, plan.id, principal) for control_id, control in current.items() if control_id not in carried]
    session.add_all(added)
    await session.flush()
    return kept + added


def _own_copy(activity: ControlActivity, plan_id: uuid.UUID, principal: Principal) -> ControlActivity:
    return ControlActivity(
        plan_id=plan_id,
        risk_id=activity.risk_id,
        area=activity.area,
        what_is_checked=activity.what_is_checked,
        method=activity.method,
        frequency=activity.frequency,
        responsible=activity.responsible,
        report_to=activity.report_to,
        report_when=activity.report_when,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )


async def _new_revision(
    session: AsyncSession, principal: Principal, board_id: uuid.UUID, year: int, title: str, own: Iterable[ControlActivity] = ()
) -> ControlPlan:
    """A draft for the board and year, with the board's own activities `own` copied and the
    year's common controls; once decided it replaces the plan in force."""
    open_revision = await repository.newest_in_status(session, board_id, year, repository.OPEN)
    if open_revision is not None:
        raise RuleViolation(
            f"one control plan revision per board and year is prepared at a time: revision {open_revision.revision} "
            f"of the {year} plan is still {open_revision.status}"
        )
    in_force = await repository.newest_in_status(session, board_id, year, (Status.DECIDED.value,))
    plan = ControlPlan(
        board_org_unit_id=board_id,
        year=year,
        title=title,
        revision=await repository.max_revision(session, board_id, year) + 1,
        replaces_id=in_force.id if in_force else None,
        status=Status.DRAFT.value,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(plan)
    await session.flush()
    copies = [_own_copy(activity, plan.id, principal) for activity in own]
    session.add_all(copies)
    activities = await _sync_common_controls(session, principal, plan, copies)
    auditor.record(session, principal, "CREATE", PLAN, plan.id, after=_plan_snapshot(plan, activities))
    return plan


async def create_plan(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: ControlPlanCreate) -> ControlPlan:
    ensure_writer(principal, data.board_org_unit_id)
    await require_board(org_units, data.board_org_unit_id, data.year)
    return await _new_revision(session, principal, data.board_org_unit_id, data.year, data.title)


async def revise_plan(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, source: ControlPlan) -> ControlPlan:
    """An amendment (ändringsbeslut): a draft copying the decided plan's activities; its common
    controls come as the executive board words them now. A board wound up amends nothing."""
    ensure_writer(principal, source.board_org_unit_id)
    if Status(source.status) != Status.DECIDED:
        raise RuleViolation("a new revision of a control plan starts from the decided plan in force")
    await require_board(org_units, source.board_org_unit_id, source.year, pointer="#/path/plan_id")
    own = [a for a in await repository.activities_of(session, source.id) if a.common_control_id is None]
    return await _new_revision(session, principal, source.board_org_unit_id, source.year, source.title, own)


async def update_plan(session: AsyncSession, principal: Principal, plan: ControlPlan, data: ControlPlanUpdate) -> ControlPlan:
    ensure_writer(principal, plan.board_org_unit_id)
    ensure_draft(plan)
    changes = changes_of(data)
    if all(getattr(plan, name) == value for name, value in changes.items()):
        return plan
    before = _plan_snapshot(plan)
    plan.title = changes.get("title", plan.title)
    plan.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", PLAN, plan.id, before=before, after=_plan_snapshot(plan))
    return plan


async def _catch_up_common_controls(session: AsyncSession, principal: Principal, plan: ControlPlan) -> dict[str, Any]:
    """A proposal taken back to draft catches up with the common controls changed meanwhile; the
    step's audit event shows the activities the draft has then."""
    activities = await _sync_common_controls(session, principal, plan, await repository.activities_of(session, plan.id))
    return {"activities": [_snapshot(activity_read(a)) for a in activities]}


async def transition(
    session: AsyncSession, principal: Principal, plan: ControlPlan, step: Transition, decision: Decision | None = None
) -> ControlPlan:
    """Moves the plan one step. Deciding archives the decided plan it replaces (the board's one in
    force for the year)."""
    ensure_writer(principal, plan.board_org_unit_id, step)
    superseded = None
    if step == Transition.DECIDE:
        superseded = await repository.newest_in_status(session, plan.board_org_unit_id, plan.year, (Status.DECIDED.value,))
    return await apply_transition(
        session,
        auditor,
        principal,
        plan,
        step,
        decision,
        entity=PLAN,
        snapshot=_plan_snapshot,
        superseded=superseded,
        effect=partial(_catch_up_common_controls, session, principal, plan) if step == Transition.RETURN_TO_DRAFT else None,
    )


async def delete_plan(session: AsyncSession, principal: Principal, plan: ControlPlan) -> None:
    ensure_writer(principal, plan.board_org_unit_id)
    if Status(plan.status) != Status.DRAFT:
        raise RuleViolation("only a draft control plan can be deleted; decided plans are kept for the record")
    before = _plan_snapshot(plan, await repository.activities_of(session, plan.id))
    await session.delete(plan)  # its activities go with it (ON DELETE CASCADE)
    await session.flush()
    auditor.record(session, principal, "DELETE", PLAN, plan.id, before=before)


# --- control activities ----------------------------------------------------------------------


async def get_readable_activity(session: AsyncSession, principal: Principal, activity_id: uuid.UUID) -> tuple[ControlActivity, ControlPlan]:
    activity = await repository.get_activity(session, activity_id)
    plan = await repository.get_plan(session, activity.plan_id) if activity else None
    if activity is None or plan is None or not can_read_board(principal, plan.board_org_unit_id):
        raise NotFound(f"no control activity {activity_id}")
    return activity, plan


def _ensure_board_may_change(activity: ControlActivity, plan: ControlPlan) -> None:
    ensure_draft(plan)
    if activity.common_control_id is not None:
        raise RuleViolation(
            "a common control is imposed by the executive board on every board's plan: a board can neither edit nor remove it"
        )


async def _check_risk(session: AsyncSession, board_id: uuid.UUID, risk_id: uuid.UUID | None) -> None:
    """A control activity addresses a risk its own board assessed and decided to control."""
    if risk_id is None:
        return
    found = await repository.risk_with_board(session, risk_id)
    if found is None or found[1] != board_id:
        raise InvalidInput(
            "a control activity addresses a risk of its own board's risk assessment",
            errors=[{"pointer": "#/risk_id", "detail": f"no risk {risk_id} in this board's risk assessments"}],
        )
    if found[0].decision != RISK_CONTROLLED:
        raise InvalidInput(
            f"only a risk decided to be controlled ({RISK_CONTROLLED}) gets control activities; this one is {found[0].decision}",
            errors=[{"pointer": "#/risk_id", "detail": f"the risk's decision is {found[0].decision}, not {RISK_CONTROLLED}"}],
        )


async def create_activity(session: AsyncSession, principal: Principal, plan: ControlPlan, data: ControlActivityCreate) -> ControlActivity:
    ensure_writer(principal, plan.board_org_unit_id)
    ensure_draft(plan)
    await _check_risk(session, plan.board_org_unit_id, data.risk_id)
    activity = ControlActivity(plan_id=plan.id, **data.model_dump(), created_by=principal.user_id, updated_by=principal.user_id)
    session.add(activity)
    _touch((plan,), principal)
    await session.flush()
    auditor.record(session, principal, "CREATE", ACTIVITY, activity.id, after=_snapshot(activity_read(activity)))
    return activity


async def update_activity(
    session: AsyncSession, principal: Principal, activity: ControlActivity, plan: ControlPlan, data: ControlActivityUpdate
) -> ControlActivity:
    ensure_writer(principal, plan.board_org_unit_id)
    _ensure_board_may_change(activity, plan)
    changes = changes_of(data, nullable=frozenset({"risk_id"}))
    if all(getattr(activity, name) == value for name, value in changes.items()):
        return activity
    if "risk_id" in changes:
        await _check_risk(session, plan.board_org_unit_id, changes["risk_id"])
    before = _snapshot(activity_read(activity))
    for name, value in changes.items():
        setattr(activity, name, value)
    activity.updated_by = principal.user_id
    _touch((plan,), principal)
    await session.flush()
    auditor.record(session, principal, "UPDATE", ACTIVITY, activity.id, before=before, after=_snapshot(activity_read(activity)))
    return activity


async def delete_activity(session: AsyncSession, principal: Principal, activity: ControlActivity, plan: ControlPlan) -> None:
    ensure_writer(principal, plan.board_org_unit_id)
    _ensure_board_may_change(activity, plan)
    before = _snapshot(activity_read(activity))
    await session.delete(activity)
    _touch((plan,), principal)
    await session.flush()
    auditor.record(session, principal, "DELETE", ACTIVITY, activity.id, before=before)

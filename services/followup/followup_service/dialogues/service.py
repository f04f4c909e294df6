"""The dialogues' rules (seed: "Dialog som styrmedel"; reference §4.5): a dialogue is its own
meeting, planned with themes and questions, held between the political and the administrative
side, and evaluated afterwards. It decides nothing. Once held, its plan is what was planned.

Dialogues are planned and recorded by fullmaktige for any org unit, by namnd and forvaltning in
their scope and by enhet for its own unit; read in scope (any role) and by the auditors."""

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle.service import get_occasion
from followup_service.db import auditor
from followup_service.dialogues import repository
from followup_service.dialogues.models import Dialogue, DialogueFollowup
from followup_service.dialogues.schemas import (
    MAX_FOLLOWUPS,
    OCCASION_KINDS,
    DialogueCreate,
    DialogueKind,
    DialogueRead,
    DialogueStatus,
    DialogueStep,
    DialogueTransition,
    DialogueUpdate,
    FollowupRead,
    Participant,
    Side,
)
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import OrgUnitReplica
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import can_read, can_read_unpublished, ensure_can_write

DIALOGUE, FOLLOWUP = "dialogue", "dialogue_followup"
READERS = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR)
WRITERS = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET)
# Besides fullmaktige, who writes for any org unit: these roles, where their scope covers it.
SCOPED_WRITERS = (Role.NAMND, Role.FORVALTNING, Role.ENHET)
PLAN_FIELDS = frozenset({"title", "planned_date", "themes", "questions", "participants", "basis_report_ids"})
FOLLOWED_UP = (DialogueStatus.HELD.value, DialogueStatus.EVALUATED.value)


def today() -> dt.date:
    """The day a held date or a done date is judged against."""
    return dt.date.today()


def _invalid(pointer: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, errors=[{"pointer": pointer, "detail": detail}])


# --- reading and writing rights --------------------------------------------------------------


def ensure_writer(principal: Principal, org_unit_id: uuid.UUID) -> None:
    """Fullmaktige plans and records dialogues for any org unit; namnd, forvaltning and enhet in their scope."""
    if principal.has_any_role((Role.FULLMAKTIGE,)):
        return
    ensure_can_write(principal, org_unit_id, SCOPED_WRITERS, "a dialogue")


async def get_readable(session: AsyncSession, principal: Principal, dialogue_id: uuid.UUID) -> Dialogue:
    """A dialogue outside the caller's scope does not exist (404)."""
    dialogue = await repository.find(session, dialogue_id)
    if dialogue is None or not can_read_unpublished(principal, dialogue.org_unit_id):
        raise NotFound(f"no dialogue {dialogue_id}")
    return dialogue


async def get_writable(session: AsyncSession, principal: Principal, dialogue_id: uuid.UUID) -> Dialogue:
    dialogue = await get_readable(session, principal, dialogue_id)
    ensure_writer(principal, dialogue.org_unit_id)
    return dialogue


async def get_readable_followup(session: AsyncSession, principal: Principal, followup_id: uuid.UUID) -> DialogueFollowup:
    followup = await repository.find_followup(session, followup_id)
    if followup is None or not can_read_unpublished(principal, followup.org_unit_id):
        raise NotFound(f"no dialogue follow-up {followup_id}")
    return followup


async def get_writable_followup(session: AsyncSession, principal: Principal, followup_id: uuid.UUID) -> DialogueFollowup:
    followup = await get_readable_followup(session, principal, followup_id)
    ensure_writer(principal, followup.org_unit_id)
    return followup


# --- representations -------------------------------------------------------------------------


def followup_read(followup: DialogueFollowup) -> FollowupRead:
    return FollowupRead(
        id=followup.id,
        dialogue_id=followup.dialogue_id,
        org_unit_id=followup.org_unit_id,
        text=followup.text,
        owner=followup.owner,
        due_date=followup.due_date,
        done_on=followup.done_on,
        done_comment=followup.done_comment,
        open=followup.done_on is None,
        created_at=followup.created_at,
        created_by=followup.created_by,
        updated_at=followup.updated_at,
        updated_by=followup.updated_by,
        row_version=followup.row_version,
    )


def dialogue_read(dialogue: Dialogue, followups: list[DialogueFollowup] | None = None) -> DialogueRead:
    return DialogueRead(
        id=dialogue.id,
        title=dialogue.title,
        kind=DialogueKind(dialogue.kind),
        year=dialogue.year,
        org_unit_id=dialogue.org_unit_id,
        occasion_id=dialogue.occasion_id,
        cycle_step_number=dialogue.cycle_step_number,
        planned_date=dialogue.planned_date,
        held_date=dialogue.held_date,
        status=DialogueStatus(dialogue.status),
        themes=list(dialogue.themes),
        questions=list(dialogue.questions),
        participants=[Participant.model_validate(p) for p in dialogue.participants],
        basis_report_ids=[uuid.UUID(r) for r in dialogue.basis_report_ids],
        notes=dialogue.notes,
        summary=dialogue.summary,
        evaluation=dialogue.evaluation,
        cancel_reason=dialogue.cancel_reason,
        followups=[followup_read(f) for f in followups or []],
        created_at=dialogue.created_at,
        created_by=dialogue.created_by,
        updated_at=dialogue.updated_at,
        updated_by=dialogue.updated_by,
        row_version=dialogue.row_version,
    )


async def dialogue_detail(session: AsyncSession, dialogue: Dialogue) -> DialogueRead:
    return dialogue_read(dialogue, await repository.followups_of(session, [dialogue.id]))


def _snapshot(dialogue: Dialogue) -> dict[str, Any]:
    # The trail keeps what was written; follow-ups have their own events.
    return dialogue_read(dialogue).model_dump(mode="json", exclude={"org_unit", "followups"})


def _followup_snapshot(followup: DialogueFollowup) -> dict[str, Any]:
    return followup_read(followup).model_dump(mode="json", exclude={"org_unit", "open"})


def _participants(participants: list[Participant]) -> list[dict[str, Any]]:
    return [p.model_dump(mode="json") for p in participants]


# --- the plan's rules --------------------------------------------------------------------------


def _ensure_linked(data: DialogueCreate) -> None:
    """A dialogue belongs to the cycle: to a follow-up occasion, a cycle step, or both."""
    if data.kind in OCCASION_KINDS and data.occasion_id is None:
        raise _invalid("#/occasion_id", f"a {data.kind.value} dialogue is planned for a follow-up occasion: occasion_id is required")
    if data.occasion_id is None and data.cycle_step_number is None:
        raise _invalid("#/cycle_step_number", "a dialogue is linked to a follow-up occasion or a step of the year's cycle (or both)")


async def _ensure_occasion_of_the_year(session: AsyncSession, occasion_id: uuid.UUID | None, year: int) -> None:
    if occasion_id is None:
        return
    occasion = await get_occasion(session, occasion_id)
    if occasion.year != year:
        raise _invalid("#/occasion_id", f"the occasion is one of {occasion.year}, the dialogue one of {year}")


async def _ensure_step_of_the_cycle(session: AsyncSession, number: int | None, year: int) -> None:
    """Where the year's cycle exists, the step is one of its steps."""
    if number is None:
        return
    numbers = await repository.step_numbers_of(session, year)
    if numbers and number not in numbers:
        raise _invalid("#/cycle_step_number", f"the cycle of {year} has no step {number}")


async def _ensure_basis_is_frozen(session: AsyncSession, principal: Principal, report_ids: list[uuid.UUID]) -> list[str]:
    """A dialogue is based on reports as they were submitted or decided: frozen ones the caller reads."""
    reports = await repository.reports_by_ids(session, report_ids)
    for index, report_id in enumerate(report_ids):
        report = reports.get(report_id)
        # A report the caller may not read is answered as one that does not exist.
        status = "DRAFT" if report is None or report.status == "SUBMITTED" else report.status
        if report is None or not can_read(principal, status, report.org_unit_id):
            raise _invalid(f"#/basis_report_ids/{index}", f"no report {report_id}")
        if report.document_hash is None:
            raise _invalid(
                f"#/basis_report_ids/{index}", f"report {report_id} is not frozen: a dialogue's basis is a submitted or decided report"
            )
    return [str(report_id) for report_id in dict.fromkeys(report_ids)]


async def create(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: DialogueCreate) -> Dialogue:
    ensure_writer(principal, data.org_unit_id)  # a refusal by scope comes before what the body says
    _ensure_linked(data)
    await _ensure_occasion_of_the_year(session, data.occasion_id, data.year)
    await _ensure_step_of_the_cycle(session, data.cycle_step_number, data.year)
    await org_units.require(data.org_unit_id, pointer="#/org_unit_id", years=(data.year, data.year))
    basis = await _ensure_basis_is_frozen(session, principal, data.basis_report_ids)
    dialogue = Dialogue(
        year=data.year,
        kind=data.kind.value,
        org_unit_id=data.org_unit_id,
        occasion_id=data.occasion_id,
        cycle_step_number=data.cycle_step_number,
        title=data.title,
        planned_date=data.planned_date,
        status=DialogueStatus.PLANNED.value,
        participants=_participants(data.participants),
        themes=list(data.themes),
        questions=list(data.questions),
        basis_report_ids=basis,
        notes="",
        summary="",
        evaluation="",
        cancel_reason="",
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(dialogue)
    await session.flush()
    auditor.record(session, principal, "CREATE", DIALOGUE, dialogue.id, after=_snapshot(dialogue))
    return dialogue


def _ensure_plan_may_change(dialogue: Dialogue, changes: dict[str, Any]) -> None:
    """Once held, the plan is what was planned; an evaluated or cancelled dialogue is closed."""
    if dialogue.status in (DialogueStatus.EVALUATED, DialogueStatus.CANCELLED):
        raise RuleViolation(f"an evaluated or cancelled dialogue is closed, and this one is {dialogue.status}: it is not changed")
    rewritten = sorted(PLAN_FIELDS & changes.keys())
    if dialogue.status == DialogueStatus.HELD and rewritten:
        raise RuleViolation(f"a held dialogue's plan is not rewritten ({', '.join(rewritten)}); only its notes and summary change")


async def update(session: AsyncSession, principal: Principal, dialogue: Dialogue, data: DialogueUpdate) -> Dialogue:
    changes = changes_of(data)
    _ensure_plan_may_change(dialogue, changes)
    if "basis_report_ids" in changes:
        changes["basis_report_ids"] = await _ensure_basis_is_frozen(session, principal, data.basis_report_ids or [])
    if "participants" in changes:
        changes["participants"] = _participants(data.participants or [])
    if all(getattr(dialogue, name) == value for name, value in changes.items()):
        return dialogue  # nothing changes: no new row version, no audit event
    before = _snapshot(dialogue)
    for name, value in changes.items():
        setattr(dialogue, name, value)
    dialogue.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", DIALOGUE, dialogue.id, before=before, after=_snapshot(dialogue))
    return dialogue


# --- holding, evaluating, cancelling -------------------------------------------------------


def _ensure_status(dialogue: Dialogue, step: DialogueStep, source: DialogueStatus) -> None:
    if dialogue.status != source:
        raise RuleViolation(f"{step.value} is only possible from {source.value}; this dialogue is {dialogue.status}")


def _ensure_held_date(held_date: dt.date | None) -> dt.date:
    if held_date is None:
        raise _invalid("#/held_date", "a held dialogue needs the date it was held")
    if held_date > today():
        raise _invalid("#/held_date", f"a dialogue is recorded as held once it took place: {held_date} is in the future")
    return held_date


def _ensure_both_sides(participants: list[Participant]) -> None:
    """A dialogue is between the political and the administrative side (reference §4.6)."""
    sides = {p.side for p in participants}
    missing = [side.value for side in (Side.POLITICAL, Side.ADMINISTRATIVE) if side not in sides]
    if missing:
        raise RuleViolation(
            f"a dialogue is held with participants from both the political and the administrative side; none from: {', '.join(missing)}"
        )


def _text_of(value: str | None, pointer: str, detail: str) -> str:
    if value is None or not value.strip():
        raise _invalid(pointer, detail)
    return value


def _hold(dialogue: Dialogue, data: DialogueTransition) -> None:
    _ensure_status(dialogue, DialogueStep.HOLD, DialogueStatus.PLANNED)
    held_date = _ensure_held_date(data.held_date)
    participants = data.participants if data.participants is not None else [Participant.model_validate(p) for p in dialogue.participants]
    _ensure_both_sides(participants)
    dialogue.held_date = held_date
    dialogue.participants = _participants(participants)
    if data.notes is not None:
        dialogue.notes = data.notes
    if data.summary is not None:
        dialogue.summary = data.summary
    dialogue.status = DialogueStatus.HELD.value


def _evaluate(dialogue: Dialogue, data: DialogueTransition) -> None:
    _ensure_status(dialogue, DialogueStep.EVALUATE, DialogueStatus.HELD)
    dialogue.evaluation = _text_of(
        data.evaluation, "#/evaluation", "an evaluated dialogue needs its evaluation: did it fulfil its purpose, what to improve"
    )
    dialogue.status = DialogueStatus.EVALUATED.value


def _cancel(dialogue: Dialogue, data: DialogueTransition) -> None:
    _ensure_status(dialogue, DialogueStep.CANCEL, DialogueStatus.PLANNED)
    dialogue.cancel_reason = _text_of(data.reason, "#/reason", "a cancelled dialogue needs the reason it was cancelled")
    dialogue.status = DialogueStatus.CANCELLED.value


STEPS = {DialogueStep.HOLD: _hold, DialogueStep.EVALUATE: _evaluate, DialogueStep.CANCEL: _cancel}


async def transition(session: AsyncSession, principal: Principal, dialogue: Dialogue, data: DialogueTransition) -> Dialogue:
    before = _snapshot(dialogue)
    STEPS[data.transition](dialogue, data)
    dialogue.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, data.transition.value, DIALOGUE, dialogue.id, before=before, after=_snapshot(dialogue))
    return dialogue


# --- follow-ups agreed in a dialogue --------------------------------------------------------


async def add_followup(
    session: AsyncSession, principal: Principal, dialogue: Dialogue, text: str, owner: str, due_date: dt.date
) -> DialogueFollowup:
    """Follow-ups are agreed in a dialogue that took place; they are no decisions."""
    if dialogue.status not in FOLLOWED_UP:
        raise RuleViolation(f"follow-ups are agreed in a held dialogue; this dialogue is {dialogue.status}")
    if await repository.count_followups(session, dialogue.id) >= MAX_FOLLOWUPS:
        raise RuleViolation(f"a dialogue has at most {MAX_FOLLOWUPS} follow-ups")
    followup = DialogueFollowup(
        dialogue_id=dialogue.id,
        org_unit_id=dialogue.org_unit_id,
        text=text,
        owner=owner,
        due_date=due_date,
        done_on=None,
        done_comment="",
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(followup)
    await session.flush()
    auditor.record(session, principal, "CREATE", FOLLOWUP, followup.id, after=_followup_snapshot(followup))
    return followup


def _ensure_followup_may_change(followup: DialogueFollowup, changes: dict[str, Any]) -> None:
    if followup.done_on is not None:
        raise RuleViolation("a done follow-up is not changed")
    done_on = changes.get("done_on")
    if done_on is None:
        if "done_comment" in changes:
            raise _invalid("#/done_comment", "a done comment goes with marking the follow-up done (done_on)")
        return
    if done_on > today():
        raise _invalid("#/done_on", f"a follow-up is marked done once it is: {done_on} is in the future")
    _text_of(changes.get("done_comment"), "#/done_comment", "a follow-up is marked done with a comment on what was done")


async def update_followup(
    session: AsyncSession, principal: Principal, followup: DialogueFollowup, changes: dict[str, Any]
) -> DialogueFollowup:
    _ensure_followup_may_change(followup, changes)
    if all(getattr(followup, name) == value for name, value in changes.items()):
        return followup
    before = _followup_snapshot(followup)
    for name, value in changes.items():
        setattr(followup, name, value)
    followup.updated_by = principal.user_id
    await session.flush()
    action = "DONE" if followup.done_on is not None else "UPDATE"
    auditor.record(session, principal, action, FOLLOWUP, followup.id, before=before, after=_followup_snapshot(followup))
    return followup

"""The decision lifecycle: DRAFT → PROPOSED → DECIDED → ARCHIVED, PROPOSED → DRAFT, nothing else;
and the one step every service takes through it (`apply_transition`), on both databases."""

import datetime as dt
import itertools
import uuid

import pytest
from pydantic import ValidationError
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from styrkedjan_common.audit import AuditEventMixin, Auditor, AuditReading
from styrkedjan_common.db import Base, Tracked, create_engine, make_metadata, make_sessionmaker, new_id
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import (
    Decided,
    DecidedRead,
    Decision,
    Status,
    Transition,
    apply_transition,
    ensure_draft,
    ensure_editable,
    ensure_step,
    next_status,
)
from styrkedjan_common.problems import InvalidInput, RuleViolation
from styrkedjan_common.testing import principal

ALLOWED = {
    (Status.DRAFT, Transition.PROPOSE): Status.PROPOSED,
    (Status.PROPOSED, Transition.RETURN_TO_DRAFT): Status.DRAFT,
    (Status.PROPOSED, Transition.DECIDE): Status.DECIDED,
    (Status.DECIDED, Transition.ARCHIVE): Status.ARCHIVED,
}
REFUSED = [pair for pair in itertools.product(Status, Transition) if pair not in ALLOWED]


@pytest.mark.parametrize(("current", "transition"), list(ALLOWED))
def test_allowed_transition_reaches_its_target(current, transition):
    assert next_status(current, transition) == ALLOWED[(current, transition)]


@pytest.mark.parametrize(("current", "transition"), REFUSED)
def test_every_other_transition_is_refused_naming_the_rule(current, transition):
    with pytest.raises(RuleViolation) as refused:
        next_status(current, transition)
    assert refused.value.status == 409
    assert refused.value.detail.startswith("decision lifecycle:")
    assert transition.value in refused.value.detail and current.value in refused.value.detail


def test_refused_transitions_cover_all_twelve_other_pairs():
    assert len(REFUSED) == 12


def test_archived_is_final():
    for transition in Transition:
        with pytest.raises(RuleViolation):
            next_status(Status.ARCHIVED, transition)


def test_draft_is_editable():
    ensure_editable(Status.DRAFT)


def test_proposed_is_returned_to_draft_before_editing():
    with pytest.raises(RuleViolation, match="return it to draft first"):
        ensure_editable(Status.PROPOSED)


@pytest.mark.parametrize("status", [Status.DECIDED, Status.ARCHIVED])
def test_decided_and_archived_are_immutable(status):
    with pytest.raises(RuleViolation, match="immutable; create a new revision"):
        ensure_editable(status)


@pytest.mark.parametrize(
    "changes", [{"body": ""}, {"reference": ""}, {"decision_date": "not a date"}, {"reference": "x" * 101}, {"body": "x" * 201}]
)
def test_decision_needs_body_date_and_reference(changes):
    decision = {"body": "Kommunfullmäktige", "decision_date": "2027-06-14", "reference": "KF § 45/2027"}
    Decision.model_validate(decision)
    with pytest.raises(ValidationError):
        Decision.model_validate(decision | changes)


# --- apply_transition: one step of a mapped record, audited, in the caller's transaction ----------


class LifecycleProbeBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class Paper(LifecycleProbeBase, Decided, Tracked):
    __tablename__ = "paper"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(100))


class PaperAuditEvent(AuditEventMixin, LifecycleProbeBase):
    pass


auditor = Auditor(PaperAuditEvent, {"paper": AuditReading("/papers/{paper_id}")})
CLERK = principal(Role.FULLMAKTIGE, user_id="clerk")
DECISION = Decision(body="Kommunfullmäktige", decision_date=dt.date(2027, 6, 14), reference="KF § 45/2027")


def snapshot(paper: Paper) -> dict[str, object]:
    return {"title": paper.title, "status": paper.status, "decision_reference": paper.decision_reference, "row_version": paper.row_version}


@pytest.fixture
async def sessions(database_url):
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(LifecycleProbeBase.metadata.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def stored(sessions, status: Status, revision: int = 1, replaces: Paper | None = None) -> Paper:
    async with sessions() as session, session.begin():
        paper = Paper(
            title="Budget 2027",
            status=status.value,
            revision=revision,
            replaces_id=replaces.id if replaces else None,
            created_by="author",
            updated_by="author",
        )
        session.add(paper)
    return paper


async def state(sessions, paper: Paper) -> tuple[tuple[object, ...], list[tuple[str, str, dict, dict]]]:
    """The paper's row as stored, and the audit events, in the order recorded."""
    async with sessions() as session:
        row = await session.get(Paper, paper.id, populate_existing=True)
        events = (await session.scalars(select(PaperAuditEvent).order_by(PaperAuditEvent.occurred_at, PaperAuditEvent.id))).all()
    assert row is not None
    stored_row = (row.status, row.revision, row.decision(), row.updated_by, row.row_version)
    return stored_row, [(e.action, e.entity_id, e.before, e.after) for e in events]


async def step(sessions, paper: Paper, transition: Transition, decision: Decision | None = None, **options) -> Paper:
    async with sessions() as session, session.begin():
        paper = await session.get(Paper, paper.id)
        superseded = await session.get(Paper, paper.replaces_id) if paper.replaces_id else None
        return await apply_transition(
            session, auditor, CLERK, paper, transition, decision, entity="paper", snapshot=snapshot, superseded=superseded, **options
        )


@pytest.mark.parametrize(("current", "transition"), list(ALLOWED))
async def test_an_allowed_step_moves_the_status_in_one_update_and_is_audited(sessions, current, transition):
    paper = await stored(sessions, current)
    await step(sessions, paper, transition, DECISION if transition == Transition.DECIDE else None)
    (status, _, decision, updated_by, row_version), events = await state(sessions, paper)
    assert (status, updated_by, row_version) == (ALLOWED[(current, transition)].value, CLERK.user_id, 2)
    assert decision == (DECISION if transition == Transition.DECIDE else None)
    assert [(action, before["status"], after["status"]) for action, _, before, after in events] == [
        (transition.value, current.value, ALLOWED[(current, transition)].value)
    ]


@pytest.mark.parametrize(("current", "transition"), REFUSED)
async def test_a_refused_step_changes_nothing_and_brings_nothing_along(sessions, current, transition):
    paper = await stored(sessions, current)
    before = await state(sessions, paper)
    brought = []

    async def effect():
        brought.append(transition)

    with pytest.raises(RuleViolation, match="decision lifecycle:") as refused:
        await step(sessions, paper, transition, DECISION, effect=effect)
    assert refused.value.status == 409
    assert await state(sessions, paper) == before and brought == []


async def test_deciding_without_a_decision_is_a_422_naming_it_and_changes_nothing(sessions):
    paper = await stored(sessions, Status.PROPOSED)
    before = await state(sessions, paper)
    with pytest.raises(InvalidInput) as refused:
        await step(sessions, paper, Transition.DECIDE, None)
    assert refused.value.status == 422 and "decision" in refused.value.detail
    assert refused.value.errors == [{"pointer": "#/", "detail": "decision required"}]
    assert await state(sessions, paper) == before


async def test_deciding_a_revision_archives_the_decided_one_it_replaces_audited_first(sessions):
    decided = await stored(sessions, Status.DECIDED)
    revision = await stored(sessions, Status.PROPOSED, revision=2, replaces=decided)
    await step(sessions, revision, Transition.DECIDE, DECISION)
    (old_status, *_), events = await state(sessions, decided)
    (new_status, _, decision, _, row_version), _ = await state(sessions, revision)
    assert (old_status, new_status, decision, row_version) == (Status.ARCHIVED.value, Status.DECIDED.value, DECISION, 2)
    assert [(action, entity_id, before["status"], after["status"]) for action, entity_id, before, after in events] == [
        ("ARCHIVE", str(decided.id), "DECIDED", "ARCHIVED"),
        ("DECIDE", str(revision.id), "PROPOSED", "DECIDED"),
    ]


@pytest.mark.parametrize("status", [Status.DRAFT, Status.PROPOSED, Status.ARCHIVED])
async def test_a_replaced_revision_that_is_not_decided_is_left_as_it_is(sessions, status):
    replaced = await stored(sessions, status)
    revision = await stored(sessions, Status.PROPOSED, revision=2, replaces=replaced)
    before = (await state(sessions, replaced))[0]
    await step(sessions, revision, Transition.DECIDE, DECISION)
    after, events = await state(sessions, replaced)
    assert after == before and [action for action, *_ in events] == ["DECIDE"]


async def test_what_a_step_brings_along_is_in_the_same_update_and_in_the_audit_event(sessions):
    paper = await stored(sessions, Status.DRAFT)
    seen = []

    async def retitle():
        seen.append(paper_in_step.status)  # the status has moved when it runs
        paper_in_step.title = "Budget 2027, proposal"
        return {"attachments": 2}

    async with sessions() as session, session.begin():
        paper_in_step = await session.get(Paper, paper.id)
        await apply_transition(
            session, auditor, CLERK, paper_in_step, Transition.PROPOSE, None, entity="paper", snapshot=snapshot, effect=retitle
        )
    (_, _, _, _, row_version), [(_, _, before, after)] = await state(sessions, paper)
    assert seen == [Status.PROPOSED.value] and row_version == 2
    assert (before["title"], after["title"], after["attachments"]) == ("Budget 2027", "Budget 2027, proposal", 2)


def test_ensure_step_names_the_target_or_refuses():
    assert ensure_step(Paper(status=Status.DRAFT.value), Transition.PROPOSE) == Status.PROPOSED
    with pytest.raises(RuleViolation, match="decision lifecycle:"):
        ensure_step(Paper(status=Status.DRAFT.value), Transition.DECIDE)


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.DECIDED, Status.ARCHIVED])
def test_only_a_draft_is_edited(status):
    ensure_draft(Paper(status=Status.DRAFT.value))
    with pytest.raises(RuleViolation):
        ensure_draft(Paper(status=status.value))


def test_decided_read_answers_with_the_decided_columns():
    paper = Paper(id=uuid.uuid4(), status=Status.DECIDED.value, revision=2, replaces_id=uuid.uuid4())
    paper.record_decision(DECISION)
    read = DecidedRead(
        id=paper.id, revision=paper.revision, replaces_id=paper.replaces_id, status=Status(paper.status), decision=paper.decision()
    )
    assert list(DecidedRead.model_fields) == ["id", "revision", "replaces_id", "status", "decision"]
    assert read.decision == DECISION and read.status == Status.DECIDED

"""The decision lifecycle every decided object follows: DRAFT → PROPOSED → DECIDED (→ ARCHIVED).

A decided object is immutable; a change is a new revision linked to the one it replaces, and
it goes through the same lifecycle. Deciding a revision archives the revision it replaces.
Every service moves its decided objects through `apply_transition`, with its own auditor; the
rules of its domain stay in the service, weighed before the step or brought along with it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from styrkedjan_common.problems import InvalidInput, RuleViolation
from styrkedjan_common.schemas import InputModel

if TYPE_CHECKING:
    from styrkedjan_common.audit import Auditor
    from styrkedjan_common.identity import Principal


class Status(StrEnum):
    DRAFT = "DRAFT"
    PROPOSED = "PROPOSED"
    DECIDED = "DECIDED"
    ARCHIVED = "ARCHIVED"


class Transition(StrEnum):
    PROPOSE = "PROPOSE"
    RETURN_TO_DRAFT = "RETURN_TO_DRAFT"
    DECIDE = "DECIDE"
    ARCHIVE = "ARCHIVE"


_ALLOWED: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.PROPOSE: (frozenset({Status.DRAFT}), Status.PROPOSED),
    Transition.RETURN_TO_DRAFT: (frozenset({Status.PROPOSED}), Status.DRAFT),
    Transition.DECIDE: (frozenset({Status.PROPOSED}), Status.DECIDED),
    Transition.ARCHIVE: (frozenset({Status.DECIDED}), Status.ARCHIVED),
}


def next_status(current: Status, transition: Transition) -> Status:
    sources, target = _ALLOWED[transition]
    if current not in sources:
        allowed = " or ".join(sorted(s.value for s in sources))
        raise RuleViolation(f"decision lifecycle: {transition.value} is only possible from {allowed}, and this version is {current.value}")
    return target


def ensure_editable(current: Status) -> None:
    if current in (Status.DECIDED, Status.ARCHIVED):
        raise RuleViolation("a decided version is immutable; create a new revision to change it")
    if current == Status.PROPOSED:
        raise RuleViolation("a proposed version is not edited; return it to draft first")


class Decision(InputModel):
    body: str = Field(min_length=1, max_length=200, examples=["Kommunfullmäktige"])
    decision_date: dt.date = Field(examples=["2027-06-14"])
    reference: str = Field(min_length=1, max_length=100, examples=["KF § 45/2027"])


class Decided:
    """The columns of an object that goes through the decision lifecycle: its status, the decision
    once made, and the revision it replaces (an amendment, ändringsbeslut)."""

    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT.value, index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    decision_body: Mapped[str | None] = mapped_column(String(200))
    decision_date: Mapped[dt.date | None] = mapped_column(Date)
    decision_reference: Mapped[str | None] = mapped_column(String(100))

    if TYPE_CHECKING:
        # Set by each mapped class this mixin becomes part of.
        __tablename__: str

    @declared_attr
    def replaces_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"))

    def decision(self) -> Decision | None:
        if self.decision_date is None:
            return None
        return Decision(body=self.decision_body or "", decision_date=self.decision_date, reference=self.decision_reference or "")

    def record_decision(self, decision: Decision) -> None:
        self.decision_body = decision.body
        self.decision_date = decision.decision_date
        self.decision_reference = decision.reference


class DecidedRead(BaseModel):
    """What every decided record answers with about its place in the lifecycle (`Decided`):
    which revision it is, the revision it replaces, its status and the decision once made."""

    id: uuid.UUID
    revision: int
    replaces_id: uuid.UUID | None
    status: Status
    decision: Decision | None


class Revision(Protocol):
    """A mapped record the lifecycle moves: `Decided` and `db.Tracked` columns and an id."""

    id: Any
    status: str
    updated_by: str

    def record_decision(self, decision: Decision) -> None: ...


R = TypeVar("R", bound=Revision)
Snapshot = Callable[[Any], dict[str, Any]]
# Work a step brings along in the same transaction, done once the status has moved and before
# the audit event; what it returns is added to the event's record of the object after the step.
StepEffect = Callable[[], Awaitable[dict[str, Any] | None]]


def ensure_step(obj: Revision, step: Transition) -> Status:
    """Refuses a step out of order; a service calls it before weighing its own rules for the step,
    so that the lifecycle's refusal comes first. The status the step leads to."""
    return next_status(Status(obj.status), step)


def ensure_draft(obj: Revision) -> None:
    """Edits only on a draft: a decided version is immutable, a proposal goes back to draft first."""
    ensure_editable(Status(obj.status))


async def apply_transition(
    session: AsyncSession,
    auditor: Auditor,
    principal: Principal,
    obj: R,
    step: Transition,
    decision: Decision | None,
    *,
    entity: str,
    snapshot: Snapshot,
    superseded: Revision | None = None,
    effect: StepEffect | None = None,
) -> R:
    """Moves `obj` one step, audited as `entity` with `snapshot` before and after. Deciding records
    the decision and archives `superseded`, the decided revision it replaces, in the same
    transaction. A step out of order, or a decision without its body, is refused before anything
    changes; a refusal by `effect` is undone with the request's transaction."""
    target = ensure_step(obj, step)
    before = snapshot(obj)
    if step == Transition.DECIDE:
        if decision is None:
            raise InvalidInput("a decision needs its body, date and reference", errors=[{"pointer": "#/", "detail": "decision required"}])
        await _archive_superseded(session, auditor, principal, superseded, entity=entity, snapshot=snapshot)
        obj.record_decision(decision)
    obj.status = target.value
    obj.updated_by = principal.user_id
    brought = await effect() if effect is not None else None
    await session.flush()
    auditor.record(session, principal, step.value, entity, obj.id, before=before, after=snapshot(obj) | (brought or {}))
    return obj


async def _archive_superseded(
    session: AsyncSession, auditor: Auditor, principal: Principal, superseded: Revision | None, *, entity: str, snapshot: Snapshot
) -> None:
    """The decided revision a decision replaces is archived, audited, before the new one becomes
    decided, so that two revisions are never decided at once; anything else (none, or not
    decided) is left as it is."""
    if superseded is None or Status(superseded.status) != Status.DECIDED:
        return
    before = snapshot(superseded)
    superseded.status = Status.ARCHIVED.value
    superseded.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "ARCHIVE", entity, superseded.id, before=before, after=snapshot(superseded))

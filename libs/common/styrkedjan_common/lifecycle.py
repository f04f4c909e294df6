"""The decision lifecycle every decided object follows: DRAFT → PROPOSED → DECIDED (→ ARCHIVED).

A decided object is immutable; a change is a new revision linked to the one it replaces, and
it goes through the same lifecycle. Deciding a revision archives the revision it replaces.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import Field
from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from styrkedjan_common.problems import RuleViolation
from styrkedjan_common.schemas import InputModel


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
        raise RuleViolation(
            f"decision lifecycle: {transition.value} is only possible from {allowed}, and this version is {current.value}"
        )
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

    @declared_attr
    def replaces_id(cls) -> Mapped[uuid.UUID | None]:  # noqa: N805 - SQLAlchemy's declared_attr signature
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"))  # type: ignore[attr-defined]

    def decision(self) -> Decision | None:
        if self.decision_date is None:
            return None
        return Decision(body=self.decision_body or "", decision_date=self.decision_date, reference=self.decision_reference or "")

    def record_decision(self, decision: Decision) -> None:
        self.decision_body = decision.body
        self.decision_date = decision.decision_date
        self.decision_reference = decision.reference


async def archive_superseded(
    session: AsyncSession, auditor: Any, principal: Any, superseded: Any, *, entity: str, snapshot: Callable[[Any], dict[str, Any]]
) -> None:
    """Deciding a revision archives the decided revision it replaces, audited, in the same
    transaction; anything else (none, or not decided) is left as it is."""
    if superseded is None or Status(superseded.status) != Status.DECIDED:
        return
    before = snapshot(superseded)
    superseded.status = Status.ARCHIVED.value
    superseded.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "ARCHIVE", entity, superseded.id, before=before, after=snapshot(superseded))

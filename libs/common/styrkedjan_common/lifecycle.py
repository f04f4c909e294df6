"""The decision lifecycle every decided object follows: DRAFT → PROPOSED → DECIDED (→ ARCHIVED).

A decided object is immutable; a change is a new revision linked to the one it replaces, and
it goes through the same lifecycle. Deciding a revision archives the revision it replaces.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field

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

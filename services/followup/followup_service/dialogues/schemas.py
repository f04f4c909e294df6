"""Request and read models of the dialogues and the follow-ups agreed in them.

A dialogue decides nothing (seed: "Dialog som styrmedel"): no body here has a decision field, and
one sent is refused like any unknown field. What needs a decision goes to the board as an item."""

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from styrkedjan_common.org_units import UnitName
from styrkedjan_common.schemas import InputModel, TrackedRead
from styrkedjan_common.years import Year

MAX_PARTICIPANTS = 100
MAX_THEMES = 30
MAX_QUESTIONS = 50
MAX_BASIS_REPORTS = 20
MAX_FOLLOWUPS = 100
LONG_TEXT = 20000


class DialogueKind(StrEnum):
    """The dialogues of the seed's annual cycle (reference §4.5)."""

    ENVIRONMENT_AND_PLANNING = "ENVIRONMENT_AND_PLANNING"  # omvärlds- och planeringsdialog, step 1
    ENVIRONMENT_DAY = "ENVIRONMENT_DAY"  # omvärldsdagen, step 2
    BUDGET_AND_PLANNING = "BUDGET_AND_PLANNING"  # budget- och planeringsdialog, step 4
    BUDGET_DAY = "BUDGET_DAY"  # budgetdagen, step 5
    BOARD_PLAN = "BOARD_PLAN"  # the board plan's dialogue, step 9
    FOLLOWUP = "FOLLOWUP"  # uppföljningsdialog, steps 19 and 21
    INTERNAL_FOLLOWUP = "INTERNAL_FOLLOWUP"  # within the administration, each occasion


# The dialogues of a follow-up occasion: planned for the occasion they follow up.
OCCASION_KINDS = frozenset({DialogueKind.FOLLOWUP, DialogueKind.INTERNAL_FOLLOWUP})


class DialogueStatus(StrEnum):
    PLANNED = "PLANNED"
    HELD = "HELD"
    EVALUATED = "EVALUATED"
    CANCELLED = "CANCELLED"


class Side(StrEnum):
    POLITICAL = "POLITICAL"
    ADMINISTRATIVE = "ADMINISTRATIVE"
    STAFF = "STAFF"


class DialogueStep(StrEnum):
    HOLD = "HOLD"
    EVALUATE = "EVALUATE"
    CANCEL = "CANCEL"


Theme = Annotated[str, Field(min_length=1, max_length=500)]
Question = Annotated[str, Field(min_length=1, max_length=1000)]


class Participant(InputModel):
    name: str = Field(min_length=1, max_length=200, examples=["Anna Andersson"])
    title: str = Field(default="", max_length=200, examples=["Nämndens ordförande"])
    side: Side = Field(description="POLITICAL (elected), ADMINISTRATIVE (management) or STAFF")


class DialogueCreate(InputModel):
    """A dialogue's plan: its own meeting, prepared with themes and questions (the seed asks for
    planning). Linked to a follow-up occasion, a step of the year's cycle, or both; uppföljnings-
    and internal follow-up dialogues to their occasion. A dialogue decides nothing: there is no
    decision field, and one sent is refused."""

    title: str = Field(min_length=1, max_length=300, examples=["Uppföljningsdialog delårsrapport, socialnämnden"])
    kind: DialogueKind
    year: Year
    org_unit_id: uuid.UUID = Field(description="The board, administration or unit whose dialogue it is")
    occasion_id: uuid.UUID | None = Field(default=None, description="The follow-up occasion the dialogue belongs to")
    cycle_step_number: int | None = Field(default=None, ge=1, le=99, description="The step of the year's cycle it belongs to")
    planned_date: dt.date = Field(examples=["2027-09-20"])
    themes: list[Theme] = Field(default=[], max_length=MAX_THEMES, description="Themes prepared beforehand")
    questions: list[Question] = Field(default=[], max_length=MAX_QUESTIONS, description="Questions prepared beforehand")
    participants: list[Participant] = Field(default=[], max_length=MAX_PARTICIPANTS, description="Those invited, with their side")
    basis_report_ids: list[uuid.UUID] = Field(
        default=[], max_length=MAX_BASIS_REPORTS, description="Frozen reports (submitted or decided) the dialogue is based on"
    )


class DialogueUpdate(InputModel):
    """Fields left out are unchanged. The plan (title, date, themes, questions, participants,
    basis) changes while the dialogue is planned; notes and summary until it is evaluated. Kind,
    year, org unit, occasion and cycle step are fixed. A dialogue decides nothing: there is no
    decision field."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    planned_date: dt.date | None = None
    themes: list[Theme] | None = Field(default=None, max_length=MAX_THEMES)
    questions: list[Question] | None = Field(default=None, max_length=MAX_QUESTIONS)
    participants: list[Participant] | None = Field(default=None, max_length=MAX_PARTICIPANTS)
    basis_report_ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_BASIS_REPORTS)
    notes: str | None = Field(default=None, max_length=LONG_TEXT)
    summary: str | None = Field(default=None, max_length=LONG_TEXT, description="The shared analysis and the priorities agreed ahead")


class DialogueTransition(InputModel):
    """HOLD (PLANNED → HELD): `held_date` (not in the future), who took part (default: those
    invited; both the political and the administrative side), and optionally notes and summary.
    EVALUATE (HELD → EVALUATED): the `evaluation` (did it fulfil its purpose, what to improve).
    CANCEL (PLANNED → CANCELLED): the `reason`. A dialogue decides nothing: there is no decision
    field."""

    transition: DialogueStep
    held_date: dt.date | None = None
    participants: list[Participant] | None = Field(default=None, max_length=MAX_PARTICIPANTS)
    notes: str | None = Field(default=None, max_length=LONG_TEXT)
    summary: str | None = Field(default=None, max_length=LONG_TEXT)
    evaluation: str | None = Field(default=None, max_length=LONG_TEXT)
    reason: str | None = Field(default=None, max_length=2000)


class FollowupCreate(InputModel):
    """Something agreed in the dialogue to follow up: not a decision."""

    text: str = Field(min_length=1, max_length=5000, examples=["Ta fram en åtgärdsplan för hemtjänstens ekonomi"])
    owner: str = Field(min_length=1, max_length=200, examples=["Förvaltningschefen"])
    due_date: dt.date = Field(examples=["2027-11-30"])


class FollowupUpdate(InputModel):
    """Fields left out are unchanged. `done_on` marks it done (not in the future), with a
    `done_comment`; a done follow-up is not changed again."""

    text: str | None = Field(default=None, min_length=1, max_length=5000)
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    due_date: dt.date | None = None
    done_on: dt.date | None = None
    done_comment: str | None = Field(default=None, max_length=5000)


class FollowupRead(TrackedRead):
    id: uuid.UUID
    dialogue_id: uuid.UUID
    org_unit_id: uuid.UUID
    org_unit: UnitName = None
    text: str
    owner: str
    due_date: dt.date
    done_on: dt.date | None
    done_comment: str
    open: bool = Field(description="Not done yet: it appears in the org unit's next report")


class DialogueRead(TrackedRead):
    id: uuid.UUID
    title: str
    kind: DialogueKind
    year: int
    org_unit_id: uuid.UUID
    org_unit: UnitName = None
    occasion_id: uuid.UUID | None
    cycle_step_number: int | None
    planned_date: dt.date
    held_date: dt.date | None
    status: DialogueStatus
    themes: list[str]
    questions: list[str]
    participants: list[Participant]
    basis_report_ids: list[uuid.UUID]
    notes: str
    summary: str
    evaluation: str
    cancel_reason: str
    followups: list[FollowupRead] = Field(default=[], description=f"The follow-ups agreed, at most {MAX_FOLLOWUPS}")

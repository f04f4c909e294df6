"""What is due or late: reports to draft, submit, propose, revise or decide, dialogues to hold or
evaluate, and the annual cycle's steps under way, each for those who act on it.

The org units come from the replica of the directory, the level each reports at from its type
(levels.report_level), the deadline from the occasion (cycle.service.deadline_of). A report counts as
handed in once a revision of it is submitted (units, administrations) or decided; an amendment
after that has no deadline of its own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle.models import Occasion
from followup_service.cycle.service import deadline_of
from followup_service.due import repository
from followup_service.levels import ReportLevel, report_level
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import OrgUnit, OrgUnitReplica, OrgUnitType
from styrkedjan_common.scope import READS_EVERYTHING, readable_units

API = "/api/followup/v1"
DOMAIN_ROLES = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR)
# How long after a dialogue is held its evaluation is due: the seed asks for an evaluation
# afterwards; a month keeps it close to the meeting.
EVALUATION_DAYS = 30


class DueKind(StrEnum):
    DRAFT_REPORT = "DRAFT_REPORT"  # no report yet
    SUBMIT_REPORT = "SUBMIT_REPORT"  # a unit's or an administration's draft
    PROPOSE_REPORT = "PROPOSE_REPORT"  # a board's or the municipality's draft
    REVISE_RETURNED_REPORT = "REVISE_RETURNED_REPORT"  # returned with a comment
    DECIDE_REPORT = "DECIDE_REPORT"  # proposed, awaiting the board's or the council's decision
    HOLD_DIALOGUE = "HOLD_DIALOGUE"
    EVALUATE_DIALOGUE = "EVALUATE_DIALOGUE"
    CYCLE_STEP = "CYCLE_STEP"


# Who acts on a report at each level (drafts, submits, proposes, revises), and who decides it.
REPORT_ACTORS: dict[ReportLevel, tuple[Role, ...]] = {
    ReportLevel.UNIT: (Role.ENHET, Role.FORVALTNING),
    ReportLevel.ADMINISTRATION: (Role.FORVALTNING,),
    ReportLevel.BOARD: (Role.FORVALTNING, Role.NAMND),
    ReportLevel.MUNICIPAL: (Role.FULLMAKTIGE,),
}
DECIDERS: dict[ReportLevel, tuple[Role, ...]] = {ReportLevel.BOARD: (Role.NAMND,), ReportLevel.MUNICIPAL: (Role.FULLMAKTIGE,)}
DIALOGUE_HOLDERS = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET)
# The cycle's steps each role follows, by the step's responsible level; the council and the
# auditors follow every step.
CYCLE_LEVELS: dict[Role, frozenset[str]] = {
    Role.NAMND: frozenset({"executive_board", "board"}),
    Role.FORVALTNING: frozenset({"administration"}),
    Role.ENHET: frozenset({"unit"}),
}
FOLLOWS_EVERY_STEP = (Role.FULLMAKTIGE, Role.REVISOR)
HANDED_IN = {
    ReportLevel.UNIT: frozenset({"SUBMITTED", "DECIDED", "ARCHIVED"}),
    ReportLevel.ADMINISTRATION: frozenset({"SUBMITTED", "DECIDED", "ARCHIVED"}),
    ReportLevel.BOARD: frozenset({"DECIDED", "ARCHIVED"}),
    ReportLevel.MUNICIPAL: frozenset({"DECIDED", "ARCHIVED"}),
}


@dataclass(frozen=True, slots=True)
class Due:
    kind: DueKind
    org_unit_id: uuid.UUID | None
    what: str
    deadline: dt.date
    late: bool
    link: str
    occasion_id: uuid.UUID | None = None
    # The report, dialogue or cycle step it is about; None for a report not drafted yet.
    subject_id: uuid.UUID | None = None


class Audience(Protocol):
    """Whose list is made: which units it looks at, and what it acts on there."""

    def units(self) -> frozenset[str] | None:
        """The org units to look at; None is every one."""
        ...

    def acts_on(self, org_unit_id: str, roles: tuple[Role, ...]) -> bool: ...

    def follows_step(self, responsible_level: str) -> bool: ...


@dataclass(frozen=True)
class CallerAudience:
    """A signed-in caller: what one of its roles acts on in its scope; the auditors see it all."""

    principal: Principal

    def units(self) -> frozenset[str] | None:
        return readable_units(self.principal)

    def acts_on(self, org_unit_id: str, roles: tuple[Role, ...]) -> bool:
        return self.principal.has_any_role(READS_EVERYTHING) or self.principal.can_act_on(org_unit_id, roles)

    def follows_step(self, responsible_level: str) -> bool:
        if self.principal.has_any_role(FOLLOWS_EVERY_STEP):
            return True
        return any(responsible_level in CYCLE_LEVELS.get(role, frozenset()) for role in self.principal.roles)


class Everyone:
    """The whole municipality: what the reminders tell each org unit."""

    def units(self) -> frozenset[str] | None:
        return None

    def acts_on(self, org_unit_id: str, roles: tuple[Role, ...]) -> bool:
        return True

    def follows_step(self, responsible_level: str) -> bool:
        return True


def decision_deadline_of(occasion: Occasion, level: ReportLevel) -> dt.date:
    """When a proposed report is to be decided: the board's by its deadline, the municipal one by the council's."""
    return occasion.council_deadline if level == ReportLevel.MUNICIPAL else occasion.board_deadline


@dataclass
class _ReportState:
    """An org unit's report at an occasion, its revisions taken together."""

    handed_in: bool = False
    latest: Any = None


def _report_states(rows: Iterable[Any]) -> dict[tuple[uuid.UUID, str], _ReportState]:
    states: dict[tuple[uuid.UUID, str], _ReportState] = {}
    for row in rows:
        state = states.setdefault((row.occasion_id, str(row.org_unit_id)), _ReportState())
        if row.status in HANDED_IN[ReportLevel(row.level)]:
            state.handed_in = True
        if state.latest is None or row.revision > state.latest.revision:
            state.latest = row
    return states


def _report_link(report_id: uuid.UUID) -> str:
    return f"{API}/reports/{report_id}"


def _report_due(occasion: Occasion, unit: OrgUnit, state: _ReportState | None, today: dt.date) -> Due | None:
    """What the org unit's report at the occasion still needs, if anything."""
    level = report_level(OrgUnitType(unit.type))
    heading = f"{occasion.kind} {occasion.year}"
    unit_id = uuid.UUID(unit.id)
    if state is None or state.latest is None:
        deadline = deadline_of(occasion, level)
        link = f"{API}/reports?occasion_id={occasion.id}&org_unit_id={unit.id}"
        return Due(DueKind.DRAFT_REPORT, unit_id, f"{heading}: draft the report", deadline, deadline < today, link, occasion.id)
    if state.handed_in:
        return None
    report = state.latest
    if report.status == "PROPOSED":
        deadline = decision_deadline_of(occasion, level)
        what = f"{heading}: decide the proposed report"
        return Due(DueKind.DECIDE_REPORT, unit_id, what, deadline, deadline < today, _report_link(report.id), occasion.id, report.id)
    if report.status != "DRAFT":
        return None
    deadline = deadline_of(occasion, level)
    if report.returned_comment:
        kind, what = DueKind.REVISE_RETURNED_REPORT, f"{heading}: revise the returned report ({report.returned_comment[:200]})"
    elif level in (ReportLevel.UNIT, ReportLevel.ADMINISTRATION):
        kind, what = DueKind.SUBMIT_REPORT, f"{heading}: complete and submit the report"
    else:
        kind, what = DueKind.PROPOSE_REPORT, f"{heading}: complete and propose the report for decision"
    return Due(kind, unit_id, what, deadline, deadline < today, _report_link(report.id), occasion.id, report.id)


def _actors(item: Due, unit: OrgUnit) -> tuple[Role, ...]:
    level = report_level(OrgUnitType(unit.type))
    return DECIDERS[level] if item.kind == DueKind.DECIDE_REPORT else REPORT_ACTORS[level]


def _units_to_look_at(org_units: OrgUnitReplica, audience: Audience) -> list[OrgUnit]:
    scope = audience.units()
    if scope is None:
        return list(org_units.units.values())
    return [org_units.units[unit_id] for unit_id in scope if unit_id in org_units.units]


async def _reports_due(
    session: AsyncSession, units: list[OrgUnit], audience: Audience, years: tuple[int, ...], today: dt.date, until: dt.date
) -> list[Due]:
    occasions = await repository.occasions_of(session, years)
    states = _report_states(await repository.report_revisions(session, [o.id for o in occasions]))
    items = []
    for occasion in occasions:
        for unit in units:
            # A unit owes the occasion's report when it existed at the period's end.
            if not unit.valid_on(occasion.period_end):
                continue
            item = _report_due(occasion, unit, states.get((occasion.id, unit.id)), today)
            if item is not None and item.deadline <= until and audience.acts_on(unit.id, _actors(item, unit)):
                items.append(item)
    return items


async def _dialogues_due(
    session: AsyncSession, units: list[OrgUnit] | None, audience: Audience, today: dt.date, until: dt.date
) -> list[Due]:
    unit_ids = None if units is None else [uuid.UUID(u.id) for u in units]
    items = []
    for row in await repository.open_dialogues(session, planned_until=until, units=unit_ids):
        if not audience.acts_on(str(row.org_unit_id), DIALOGUE_HOLDERS):
            continue
        link = f"{API}/dialogues/{row.id}"
        if row.status == "PLANNED":
            kind, what, deadline = DueKind.HOLD_DIALOGUE, f"hold the dialogue: {row.title}", row.planned_date
        else:
            held = row.held_date or row.planned_date
            kind, what, deadline = (
                DueKind.EVALUATE_DIALOGUE,
                f"evaluate the dialogue: {row.title}",
                held + dt.timedelta(days=EVALUATION_DAYS),
            )
            if deadline > until:
                continue
        items.append(Due(kind, row.org_unit_id, what, deadline, deadline < today, link, row.occasion_id, row.id))
    return items


async def _steps_due(session: AsyncSession, audience: Audience, today: dt.date) -> list[Due]:
    items = []
    for row in await repository.steps_under_way(session, today=today, years=(today.year - 1, today.year, today.year + 1)):
        if not audience.follows_step(row.responsible_level):
            continue
        late = row.planned_end < today
        what = f"annual cycle {row.year}, step {row.number}: {row.name_sv} ({'late' if late else 'in progress'})"
        items.append(
            Due(DueKind.CYCLE_STEP, None, what, row.planned_end, late, f"{API}/cycles/{row.year}/steps/{row.number}", None, row.id)
        )
    return items


async def due_items(session: AsyncSession, org_units: OrgUnitReplica, audience: Audience, today: dt.date, within_days: int) -> list[Due]:
    """What is due within `within_days` of `today` or late, for the audience, soonest deadline first.
    The occasions and cycle steps looked at are this year's and last year's (the annual report of
    last year is due in the spring)."""
    until = today + dt.timedelta(days=within_days)
    units = _units_to_look_at(org_units, audience)
    scoped = None if audience.units() is None else units
    items = [
        *await _reports_due(session, units, audience, (today.year - 1, today.year), today, until),
        *await _dialogues_due(session, scoped, audience, today, until),
        *await _steps_due(session, audience, today),
    ]
    names = {unit_id: unit.name for unit_id, unit in org_units.units.items()}
    return sorted(items, key=lambda i: (i.deadline, i.kind.value, names.get(str(i.org_unit_id), ""), str(i.subject_id)))

"""The annual cycle's and the follow-up occasions' rules (seed: "Bilagor", "Uppföljning";
reference.md §4.1, §4.2, §4.6).

A year's cycle is made once from the template (cycle/template.py), with its three occasions. The
council's side (fullmaktige with the whole municipality in scope) edits it; everyone reads it.
The other parts of the service ask here for an occasion, the deadline of a level and the headings
a report carries (`get_occasion`, `deadline_of`, `headings_for`)."""

import calendar
import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle import repository, template
from followup_service.cycle.audit import CYCLE_STEP, OCCASION
from followup_service.cycle.models import CycleStep, Occasion
from followup_service.cycle.schemas import (
    CycleRead,
    CycleStepRead,
    CycleStepUpdate,
    CycleTemplateRead,
    DayOfCycle,
    Heading,
    MonthOfCycle,
    OccasionRead,
    OccasionTemplateRead,
    OccasionUpdate,
    StepTemplateRead,
)
from followup_service.db import auditor
from followup_service.levels import ReportLevel
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.problems import Forbidden, InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of

EDITORS = (Role.FULLMAKTIGE,)


def today() -> dt.date:
    """The date lateness is judged on; tests replace it."""
    return dt.date.today()


# --- what the other parts of the service call ----------------------------------------------------


async def get_occasion(session: AsyncSession, occasion_id: uuid.UUID) -> Occasion:
    occasion = await repository.occasion(session, occasion_id)
    if occasion is None:
        raise NotFound(f"no follow-up occasion {occasion_id}")
    return occasion


def deadline_of(occasion: Occasion, level: ReportLevel) -> dt.date:
    """The day a report at `level` is due: a unit's and an administration's to be submitted, a
    board's to be decided, the municipal report to be proposed by the executive board (the
    council's adoption is `occasion.council_deadline`)."""
    return {
        ReportLevel.UNIT: occasion.unit_deadline,
        ReportLevel.ADMINISTRATION: occasion.administration_deadline,
        ReportLevel.BOARD: occasion.board_deadline,
        ReportLevel.MUNICIPAL: occasion.executive_board_deadline,
    }[level]


def headings_for(occasion: Occasion, level: ReportLevel) -> list[dict[str, Any]]:
    """The headings a report at `level` carries at the occasion, in the occasion's order: each
    {"key", "title_sv", "title_en", "required"}. A heading stored without levels is carried at
    every level."""
    return [
        {"key": h["key"], "title_sv": h.get("title_sv", ""), "title_en": h.get("title_en", ""), "required": bool(h.get("required"))}
        for h in occasion.headings or []
        if level.value in h.get("levels", [level.value])
    ]


# --- who writes -----------------------------------------------------------------------------------


def ensure_editor(principal: Principal) -> None:
    if principal.scope_of(EDITORS) is not None:
        raise Forbidden("the annual cycle and its occasions are edited by fullmaktige with the whole municipality in scope")


# --- the template ------------------------------------------------------------------------------------


def _month(month: template.Month) -> MonthOfCycle:
    return MonthOfCycle(year_offset=month.offset, month=month.month)


def _day(offset: int, month: int, day: int) -> DayOfCycle:
    return DayOfCycle(year_offset=offset, month=month, day=day)


def template_read() -> CycleTemplateRead:
    steps = [
        StepTemplateRead(
            number=s.number,
            months=s.months,
            starts=_month(s.start),
            ends=_month(s.end),
            name_sv=s.name_sv,
            name_en=s.name_en,
            question=s.question,
            inflow=s.inflow,
            result=s.result,
            responsible=s.responsible,
            responsible_level=s.responsible_level,
            conditional=s.conditional,
            occasion=s.occasion,
        )
        for s in template.STEPS
    ]
    occasions = []
    for kind, defaults in template.OCCASIONS.items():
        alternatives = template.FORECAST_PERIOD_ENDS if kind == FollowupOccasion.FORECAST else (defaults.period_end,)
        occasions.append(
            OccasionTemplateRead(
                kind=kind,
                period_end=_day(0, *defaults.period_end),
                period_end_alternatives=[_day(0, *end) for end in alternatives],
                statutory=defaults.statutory,
                deadlines={name: _day(*when) for name, when in defaults.deadlines.items()},
                board_months=[MonthOfCycle(year_offset=o, month=m) for o, m in defaults.board_months],
                council_months=[MonthOfCycle(year_offset=o, month=m) for o, m in defaults.council_months],
                headings=[Heading.model_validate(h) for h in template.default_headings(kind)],
            )
        )
    year_rule = (template.__doc__ or "").split("Which calendar year a step falls in. ")[-1].split("\n\n")[0]
    return CycleTemplateRead(year_rule=" ".join(year_rule.split()), steps=steps, occasions=occasions)


# --- representations ---------------------------------------------------------------------------------


def is_late(step: CycleStep, on: dt.date) -> bool:
    return step.status != "DONE" and step.planned_end < on


def step_read(step: CycleStep) -> CycleStepRead:
    late = is_late(step, today())
    return CycleStepRead.model_validate(
        {
            **{c: getattr(step, c) for c in CycleStepRead.model_fields if hasattr(step, c)},
            "late": late,
            "display_status": "LATE" if late else step.status,
        }
    )


def occasion_read(occasion: Occasion, frozen: bool) -> OccasionRead:
    return OccasionRead.model_validate(
        {
            **{c: getattr(occasion, c) for c in OccasionRead.model_fields if hasattr(occasion, c)},
            "period_start": dt.date(occasion.year, 1, 1),
            "headings": [{"levels": [level.value for level in ReportLevel], **h} for h in occasion.headings or []],
            "frozen": frozen,
            "warnings": warnings_of(occasion),
        }
    )


def _snapshot(read: CycleStepRead | OccasionRead) -> dict[str, Any]:
    # The audit trail keeps what was written, not what is derived from the date or other tables.
    return read.model_dump(mode="json", exclude={"late", "display_status", "frozen", "warnings"})


async def occasion_reads(session: AsyncSession, occasions: list[Occasion]) -> list[OccasionRead]:
    frozen = await repository.frozen_occasion_ids(session, [o.id for o in occasions])
    return [occasion_read(o, o.id in frozen) for o in occasions]


# --- a year's cycle ----------------------------------------------------------------------------------


def _step_of(year: int, step: template.StepTemplate, principal: Principal) -> CycleStep:
    return CycleStep(
        year=year,
        number=step.number,
        name_sv=step.name_sv,
        name_en=step.name_en,
        question=step.question,
        inflow=step.inflow,
        result=step.result,
        responsible=step.responsible,
        responsible_level=step.responsible_level,
        conditional=step.conditional,
        occasion=step.occasion.value if step.occasion else None,
        planned_start=step.planned_start(year),
        planned_end=step.planned_end(year),
        status="PLANNED",
        note="",
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )


def _occasion_of(year: int, defaults: template.OccasionDefaults, principal: Principal) -> Occasion:
    return Occasion(
        year=year,
        kind=defaults.kind.value,
        period_end=dt.date(year, *defaults.period_end),
        statutory=defaults.statutory,
        headings=template.default_headings(defaults.kind),
        created_by=principal.user_id,
        updated_by=principal.user_id,
        **defaults.dates(year),
    )


async def _ensure_no_cycle_yet(session: AsyncSession, year: int) -> None:
    if await repository.cycle_exists(session, year) or await repository.occasion_exists(session, year):
        raise RuleViolation(f"the cycle of {year} already exists: a year's cycle is made once, then edited")


async def create_cycle(session: AsyncSession, principal: Principal, year: int) -> CycleRead:
    """The year's 22 steps with their planned dates and its three occasions, from the template."""
    ensure_editor(principal)
    return await make_cycle(session, principal, year)


async def make_cycle(session: AsyncSession, principal: Principal, year: int) -> CycleRead:
    """The cycle from the template, for a caller already admitted: fullmaktige's POST, or an
    import of a year's assessments (Stratsys's structure file) into a year that has none."""
    await _ensure_no_cycle_yet(session, year)
    steps = [_step_of(year, step, principal) for step in template.STEPS]
    occasions = [_occasion_of(year, defaults, principal) for defaults in template.OCCASIONS.values()]
    session.add_all([*steps, *occasions])
    await session.flush()
    for step in steps:
        auditor.record(session, principal, "CREATE", CYCLE_STEP, step.id, after=_snapshot(step_read(step)))
    for occasion in occasions:
        auditor.record(session, principal, "CREATE", OCCASION, occasion.id, after=_snapshot(occasion_read(occasion, False)))
    return CycleRead(year=year, steps=[step_read(s) for s in steps], occasions=[occasion_read(o, False) for o in occasions])


async def read_cycle(session: AsyncSession, year: int) -> CycleRead:
    steps = await repository.steps_of_year(session, year)
    if not steps:
        raise NotFound(f"no cycle for {year}: fullmaktige makes it with POST /cycles/{year}")
    occasions = await occasion_reads(session, await repository.occasions(session, year))
    return CycleRead(year=year, steps=[step_read(s) for s in steps], occasions=occasions)


async def get_step(session: AsyncSession, year: int, number: int) -> CycleStep:
    step = await repository.step(session, year, number)
    if step is None:
        raise NotFound(f"no step {number} in the cycle of {year}")
    return step


def _ensure_start_before_end(start: dt.date, end: dt.date) -> None:
    if start > end:
        raise InvalidInput(
            f"a step's planned start ({start}) must not come after its planned end ({end})",
            errors=[{"pointer": "#/planned_start", "detail": "must not come after planned_end"}],
        )


def _ensure_done_on_with_done(status: str, changes: dict[str, Any]) -> None:
    if "done_on" in changes and status != "DONE":
        raise InvalidInput(
            "done_on is recorded only for a step that is DONE", errors=[{"pointer": "#/done_on", "detail": "the step is not DONE"}]
        )


async def _ensure_amendment_follows_council(session: AsyncSession, step: CycleStep, status: str) -> None:
    """Step 14 (the boards amend their plans) happens only after the council amended mål och
    budget that year (step 11, seed); and step 11 cannot be undone while step 14 is under way."""
    if step.number == template.AMENDMENT_STEP and status != "PLANNED":
        council = await repository.step(session, step.year, template.CONDITIONAL_STEP)
        if council is None or council.status != "DONE":
            raise RuleViolation(
                f"step {template.AMENDMENT_STEP} (the boards' plan amendment) starts only after step "
                f"{template.CONDITIONAL_STEP} (the council's amendment of mål och budget) is DONE in {step.year}"
            )
    if step.number == template.CONDITIONAL_STEP and step.status == "DONE" and status != "DONE":
        amendment = await repository.step(session, step.year, template.AMENDMENT_STEP)
        if amendment is not None and amendment.status != "PLANNED":
            raise RuleViolation(
                f"step {template.CONDITIONAL_STEP} (the council's amendment) stays DONE while step "
                f"{template.AMENDMENT_STEP} (the boards' plan amendment) is {amendment.status}"
            )


async def update_step(session: AsyncSession, principal: Principal, step: CycleStep, data: CycleStepUpdate) -> CycleStep:
    ensure_editor(principal)
    changes = changes_of(data)
    status = changes.get("status", step.status)
    _ensure_start_before_end(changes.get("planned_start", step.planned_start), changes.get("planned_end", step.planned_end))
    _ensure_done_on_with_done(status, changes)
    await _ensure_amendment_follows_council(session, step, status)
    if status == "DONE":
        changes["done_on"] = changes.get("done_on") or (step.done_on if step.status == "DONE" else today())
    else:
        changes["done_on"] = None
    if all(getattr(step, name) == value for name, value in changes.items()):
        return step  # nothing changes: no new row version, no audit event
    before = _snapshot(step_read(step))
    for name, value in changes.items():
        setattr(step, name, value)
    step.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", CYCLE_STEP, step.id, before=before, after=_snapshot(step_read(step)))
    return step


# --- occasions ------------------------------------------------------------------------------------------


async def list_occasions(session: AsyncSession, year: int | None) -> list[OccasionRead]:
    return await occasion_reads(session, await repository.occasions(session, year))


def _ensure_period_end_of_kind(occasion: Occasion) -> None:
    """ANNUAL covers the whole year; FORECAST ends 31 March or 30 April (the seed says both);
    every period lies within its year."""
    end, year = occasion.period_end, occasion.year
    if occasion.kind == FollowupOccasion.ANNUAL and end != dt.date(year, 12, 31):
        raise RuleViolation(f"the annual report's period ends on 31 December {year}, not {end}")
    if occasion.kind == FollowupOccasion.FORECAST and end not in [dt.date(year, m, d) for m, d in template.FORECAST_PERIOD_ENDS]:
        raise RuleViolation(f"the result forecast's period ends on 31 March or 30 April {year}, not {end}")
    if end.year != year:
        raise RuleViolation(f"the {occasion.kind} occasion of {year} ends within {year}, not on {end}")


def _ensure_statutory_period(occasion: Occasion) -> None:
    """LKBR 13 kap. 1 §: the statutory interim report covers at least half and at most two thirds
    of the year from 1 January, so its period ends between 30 June and 31 August."""
    if not occasion.statutory:
        return
    first, last = (dt.date(occasion.year, m, d) for m, d in template.STATUTORY_WINDOW)
    if not first <= occasion.period_end <= last:
        raise RuleViolation(
            f"the statutory interim report's period ends between {first} and {last} (LKBR 13 kap. 1 §: at least half "
            f"and at most two thirds of the year), not on {occasion.period_end}"
        )


def _ensure_deadlines_in_order(occasion: Occasion) -> None:
    """Each level reports after the period ends, and the level above after the level below:
    unit ≤ administration ≤ board ≤ executive board ≤ council."""
    if occasion.unit_deadline <= occasion.period_end:
        raise RuleViolation(f"the deadlines come after the period end ({occasion.period_end}): unit_deadline is {occasion.unit_deadline}")
    for lower, upper in zip(template.DEADLINE_FIELDS, template.DEADLINE_FIELDS[1:], strict=False):
        if getattr(occasion, lower) > getattr(occasion, upper):
            raise RuleViolation(
                f"the deadlines follow the chain unit ≤ administration ≤ board ≤ executive board ≤ council: "
                f"{lower} ({getattr(occasion, lower)}) comes after {upper} ({getattr(occasion, upper)})"
            )


def _ensure_unique_heading_keys(headings: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for index, heading in enumerate(headings):
        if heading["key"] in seen:
            raise InvalidInput(
                f"heading key {heading['key']} appears twice: each heading of an occasion has its own key",
                errors=[{"pointer": f"#/headings/{index}/key", "detail": "duplicate key"}],
            )
        seen.add(heading["key"])
        if len(set(heading["levels"])) != len(heading["levels"]):
            raise InvalidInput(
                f"heading {heading['key']} names a level twice",
                errors=[{"pointer": f"#/headings/{index}/levels", "detail": "duplicate level"}],
            )


async def _ensure_not_frozen(session: AsyncSession, occasion: Occasion, changes: dict[str, Any]) -> None:
    """Once a report of the occasion is past draft, the period it reports on and the headings it
    was written under stay as they were."""
    changed = [name for name in ("period_end", "headings") if name in changes and changes[name] != getattr(occasion, name)]
    if changed and occasion.id in await repository.frozen_occasion_ids(session, [occasion.id]):
        raise RuleViolation(
            f"the {occasion.kind} occasion of {occasion.year} has a report past draft: its {' and '.join(changed)} no longer change"
        )


def warnings_of(occasion: Occasion) -> list[str]:
    """Dates the styrmodell would not choose: allowed, but said aloud."""
    defaults = template.OCCASIONS.get(FollowupOccasion(occasion.kind))
    if defaults is None:
        return []
    warnings = []
    default_end = dt.date(occasion.year, *defaults.period_end)
    if occasion.kind == FollowupOccasion.INTERIM and occasion.period_end != default_end:
        warnings.append(f"period_end {occasion.period_end} differs from the styrmodell's {default_end} (the interim report per August)")
    if occasion.kind != FollowupOccasion.INTERIM and occasion.statutory:
        warnings.append("statutory is set on an occasion other than the interim report")
    for name, months, who in (
        ("board_deadline", defaults.board_months, "the boards"),
        ("council_deadline", defaults.council_months, "the council"),
    ):
        day = getattr(occasion, name)
        if (day.year - occasion.year, day.month) not in months:
            expected = " or ".join(dt.date(occasion.year + o, m, 1).strftime("%B %Y") for o, m in months)
            warnings.append(f"{name} {day} is outside the month {who} decide in by default ({expected})")
    if occasion.statutory and occasion.council_deadline > _months_after(occasion.period_end, 2):
        warnings.append(
            f"council_deadline {occasion.council_deadline} is more than two months after the period end: the interim report "
            "goes to the council and the auditors within two months (KL 11 kap. 16 §)"
        )
    return warnings


def _months_after(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def update_occasion(session: AsyncSession, principal: Principal, occasion: Occasion, data: OccasionUpdate) -> Occasion:
    ensure_editor(principal)
    changes = changes_of(data)
    if "headings" in changes:
        changes["headings"] = [{**h, "levels": [str(level) for level in h["levels"]]} for h in changes["headings"]]
        _ensure_unique_heading_keys(changes["headings"])
    if all(getattr(occasion, name) == value for name, value in changes.items()):
        return occasion
    await _ensure_not_frozen(session, occasion, changes)
    candidate = Occasion(
        **{c: getattr(occasion, c) for c in ("year", "kind", "period_end", "statutory", "headings", *template.DEADLINE_FIELDS)}
    )
    for name, value in changes.items():
        setattr(candidate, name, value)
    _ensure_period_end_of_kind(candidate)
    _ensure_statutory_period(candidate)
    _ensure_deadlines_in_order(candidate)
    frozen = occasion.id in await repository.frozen_occasion_ids(session, [occasion.id])
    before = _snapshot(occasion_read(occasion, frozen))
    for name, value in changes.items():
        setattr(occasion, name, value)
    occasion.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", OCCASION, occasion.id, before=before, after=_snapshot(occasion_read(occasion, frozen)))
    return occasion

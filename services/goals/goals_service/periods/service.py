"""Mandate periods: the council's four-year terms, which never overlap and hold the municipal goals."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.db import auditor
from goals_service.goals import repository as goals_repository
from goals_service.periods import repository
from goals_service.periods.models import MandatePeriod
from goals_service.periods.schemas import MandatePeriodCreate, MandatePeriodRead, MandatePeriodUpdate
from goals_service.settings import GoalsSettings
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision
from styrkedjan_common.problems import Forbidden, InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of

ENTITY = "mandate_period"


def to_read(period: MandatePeriod) -> MandatePeriodRead:
    return MandatePeriodRead.model_validate(period)


def snapshot(period: MandatePeriod) -> dict[str, Any]:
    return to_read(period).model_dump(mode="json")


def default_name(start_year: int, end_year: int) -> str:
    return f"Mandatperiod {start_year}–{end_year}"


def ensure_writer(principal: Principal) -> None:
    # A term is the whole municipality's: the writer's scope must be all of it.
    if principal.scope_of((Role.FULLMAKTIGE,)) is not None:
        raise Forbidden("mandate periods are written by fullmaktige with the whole municipality in scope")


async def get(session: AsyncSession, period_id: uuid.UUID) -> MandatePeriod:
    period = await repository.get(session, period_id)
    if period is None:
        raise NotFound(f"no mandate period {period_id}")
    return period


async def _check_years(session: AsyncSession, start_year: int, end_year: int, excluding: uuid.UUID | None = None) -> None:
    if end_year < start_year:
        raise InvalidInput(
            "a mandate period ends in or after the year it starts",
            errors=[{"pointer": "#/end_year", "detail": f"must be {start_year} or later"}],
        )
    other = await repository.first_overlapping(session, start_year, end_year, excluding)
    if other is not None:
        raise RuleViolation(
            f"mandate periods do not overlap: {start_year}–{end_year} overlaps {other.name} ({other.start_year}–{other.end_year})"
        )


def _check_term_length(settings: GoalsSettings, start_year: int, end_year: int, decision: Decision | None) -> None:
    """The seed's "Målstyrning": a mandate period is the council's term of the configured length.
    Another length (the rest of a term after an extra election, a term changed by law) stands only
    on the decision that sets it, and even then stays within two terms."""
    term = settings.mandate_period_years
    years = end_year - start_year + 1
    if years == term:
        return
    if decision is None:
        raise RuleViolation(
            f"a mandate period is {term} years unless a decision sets another length: {start_year}–{end_year} is {years} years; "
            "give the decision as length_decision"
        )
    if years > 2 * term:
        raise RuleViolation(
            f"a mandate period is at most {2 * term} years (two terms), even by decision: {start_year}–{end_year} is {years} years"
        )


async def create(session: AsyncSession, principal: Principal, data: MandatePeriodCreate, settings: GoalsSettings) -> MandatePeriod:
    ensure_writer(principal)
    end_year = data.end_year if data.end_year is not None else data.start_year + settings.mandate_period_years - 1
    await _check_years(session, data.start_year, end_year)
    _check_term_length(settings, data.start_year, end_year, data.length_decision)
    period = MandatePeriod(
        start_year=data.start_year,
        end_year=end_year,
        name=data.name or default_name(data.start_year, end_year),
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    if data.length_decision is not None:
        period.record_length_decision(data.length_decision)
    session.add(period)
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, period.id, after=snapshot(period))
    return period


async def update(
    session: AsyncSession, principal: Principal, period: MandatePeriod, data: MandatePeriodUpdate, settings: GoalsSettings
) -> MandatePeriod:
    ensure_writer(principal)
    changes = changes_of(data)
    decision = data.length_decision if "length_decision" in changes else None
    changes.pop("length_decision", None)
    current: dict[str, Any] = {"start_year": period.start_year, "end_year": period.end_year, "name": period.name}
    merged = current | changes
    # A name that was only the default follows the years; a name someone chose is kept.
    if "name" not in changes and period.name == default_name(period.start_year, period.end_year):
        merged["name"] = default_name(merged["start_year"], merged["end_year"])
    if merged == current and (decision is None or decision == period.length_decision):
        return period  # nothing changes: no new row version, no audit event
    if (merged["start_year"], merged["end_year"]) != (period.start_year, period.end_year):
        await _check_years(session, merged["start_year"], merged["end_year"], excluding=period.id)
        outside = await goals_repository.count_outside_years(session, period.id, merged["start_year"], merged["end_year"])
        if outside:
            raise RuleViolation(
                f"a mandate period holds the years of its goals: {outside} goal(s) of {period.name} "
                f"would lie outside {merged['start_year']}–{merged['end_year']}"
            )
        # A term's length is weighed when its years move; a name alone changes nothing of it.
        _check_term_length(settings, merged["start_year"], merged["end_year"], decision or period.length_decision)
    before = snapshot(period)
    period.start_year, period.end_year, period.name = merged["start_year"], merged["end_year"], merged["name"]
    if decision is not None:
        period.record_length_decision(decision)
    period.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", ENTITY, period.id, before=before, after=snapshot(period))
    return period


async def delete(session: AsyncSession, principal: Principal, period: MandatePeriod) -> None:
    ensure_writer(principal)
    referencing = await goals_repository.count_in_period(session, period.id)
    if referencing:
        raise RuleViolation(f"a mandate period with goals is not deleted: {referencing} goal(s) belong to {period.name}")
    before = snapshot(period)
    await session.delete(period)
    await session.flush()
    auditor.record(session, principal, "DELETE", ENTITY, period.id, before=before)

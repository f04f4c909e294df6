"""The indicators' rules (seed: "Målstyrning", "Kvalitetsstyrning"): a shared catalogue of key
figures; their use by an org unit for a goal or a quality factor, few per goal; yearly targets and
outcomes per period, by women and men only where the catalogue says the key figure is split."""

import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.db import auditor
from goals_service.indicators import repository, status
from goals_service.indicators.models import Indicator, IndicatorOutcome, IndicatorTarget, IndicatorUse
from goals_service.indicators.schemas import (
    Frequency,
    GenderValues,
    IndicatorContent,
    IndicatorCreate,
    IndicatorOutcomePut,
    IndicatorOutcomeRead,
    IndicatorRead,
    IndicatorTargetPut,
    IndicatorTargetRead,
    IndicatorUpdate,
    IndicatorUseCreate,
    IndicatorUseRead,
    IndicatorUseUpdate,
    LatestOutcome,
    Source,
    Thresholds,
)
from goals_service.settings import GoalsSettings
from goals_service.units import require_valid
from styrkedjan_common.db import AnyRow, lock_for_rule
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import OrgUnitReplica
from styrkedjan_common.problems import Forbidden, InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import ensure_can_write
from styrkedjan_common.years import FIRST_YEAR, LAST_YEAR

INDICATOR, USE, TARGET, OUTCOME = "indicator", "indicator_use", "indicator_target", "indicator_outcome"
CATALOGUE_WRITERS = (Role.FULLMAKTIGE, Role.FORVALTNING)
USE_WRITERS = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING)
# A unit records the outcomes of its own indicators; targets are set above it.
OUTCOME_WRITERS = (*USE_WRITERS, Role.ENHET)

Recorded = TypeVar("Recorded", IndicatorTarget, IndicatorOutcome)
UseRow = Row[IndicatorUse, Indicator]


def _snapshot(read: BaseModel) -> dict[str, Any]:
    return read.model_dump(mode="json")


# --- periods ------------------------------------------------------------------------------

# For each frequency: the period suffixes after the year, and the month each period ends.
PERIOD_ENDS: dict[Frequency, dict[str, int]] = {
    Frequency.YEARLY: {"": 12},
    Frequency.TERTIAL: {f"-T{n}": 4 * n for n in range(1, 4)},
    Frequency.QUARTERLY: {f"-Q{n}": 3 * n for n in range(1, 5)},
    Frequency.MONTHLY: {f"-{month:02d}": month for month in range(1, 13)},
}
PERIOD_FORMS = {
    Frequency.YEARLY: "2027",
    Frequency.TERTIAL: "2027-T1 … 2027-T3",
    Frequency.QUARTERLY: "2027-Q1 … 2027-Q4",
    Frequency.MONTHLY: "2027-01 … 2027-12",
}


def parse_period(frequency: str, period: str) -> tuple[int, int]:
    """The year and the month the period ends; a period that does not fit the indicator's
    frequency is refused, so outcomes of one indicator are comparable period by period."""
    kind = Frequency(frequency)
    year, suffix = period[:4], period[4:]
    ends = PERIOD_ENDS[kind]
    if not (year.isascii() and year.isdigit() and FIRST_YEAR <= int(year) <= LAST_YEAR and suffix in ends):
        raise InvalidInput(
            f"the period must fit the indicator's frequency: a {kind.value} indicator's periods are written "
            f"{PERIOD_FORMS[kind]}, not {period!r}",
            errors=[{"pointer": "#/path/period", "detail": f"expected {PERIOD_FORMS[kind]} ({FIRST_YEAR}–{LAST_YEAR})"}],
        )
    return int(year), ends[suffix]


# --- catalogue ----------------------------------------------------------------------------


def to_indicator_read(indicator: Indicator) -> IndicatorRead:
    return IndicatorRead.model_validate(indicator)


def ensure_catalogue_writer(principal: Principal) -> None:
    if not principal.has_any_role(CATALOGUE_WRITERS):
        raise Forbidden("the indicator catalogue is written by fullmaktige and forvaltning")


def check_source(content: IndicatorContent) -> None:
    if content.source == Source.KOLADA and content.kolada_kpi_id is None:
        raise InvalidInput(
            "a key figure from Kolada names its Kolada id",
            errors=[{"pointer": "#/kolada_kpi_id", "detail": "required when source is KOLADA, e.g. N15419"}],
        )


async def get_indicator(session: AsyncSession, indicator_id: uuid.UUID) -> Indicator:
    indicator = await repository.get_indicator(session, indicator_id)
    if indicator is None:
        raise NotFound(f"no indicator {indicator_id} in the catalogue")
    return indicator


async def create_indicator(session: AsyncSession, principal: Principal, data: IndicatorCreate) -> Indicator:
    ensure_catalogue_writer(principal)
    check_source(data)
    indicator = Indicator(**data.model_dump(mode="json"), created_by=principal.user_id, updated_by=principal.user_id)
    session.add(indicator)
    await session.flush()
    auditor.record(session, principal, "CREATE", INDICATOR, indicator.id, after=_snapshot(to_indicator_read(indicator)))
    return indicator


async def update_indicator(session: AsyncSession, principal: Principal, indicator: Indicator, data: IndicatorUpdate) -> Indicator:
    ensure_catalogue_writer(principal)
    changes = changes_of(data, nullable=frozenset({"kolada_kpi_id"}))
    current = IndicatorContent.model_validate(indicator, from_attributes=True).model_dump()
    if all(current[name] == value for name, value in changes.items()):
        return indicator  # nothing changes: no new row version, no audit event
    merged = IndicatorContent.model_validate(current | changes)
    check_source(merged)
    if current["gender_split"] and not merged.gender_split and await repository.has_gender_values(session, indicator.id):
        raise RuleViolation(
            "gender split stays on while values by gender exist: targets or outcomes of this indicator "
            "hold values for women and men; remove them before turning gender_split off"
        )
    if merged.frequency != current["frequency"] and await repository.has_outcomes(session, indicator.id):
        raise RuleViolation("the frequency of an indicator with recorded outcomes cannot change: their periods follow it")
    before = _snapshot(to_indicator_read(indicator))
    for name, value in merged.model_dump(mode="json").items():
        setattr(indicator, name, value)
    indicator.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", INDICATOR, indicator.id, before=before, after=_snapshot(to_indicator_read(indicator)))
    return indicator


async def delete_indicator(session: AsyncSession, principal: Principal, indicator: Indicator) -> None:
    ensure_catalogue_writer(principal)
    if await repository.is_in_use(session, indicator.id):
        raise RuleViolation("an indicator in use is kept in the catalogue: remove its uses before deleting it")
    before = _snapshot(to_indicator_read(indicator))
    await session.delete(indicator)
    await session.flush()
    auditor.record(session, principal, "DELETE", INDICATOR, indicator.id, before=before)


# --- uses ---------------------------------------------------------------------------------


def near_share(use: IndicatorUse, settings: GoalsSettings) -> Decimal:
    share = (use.thresholds or {}).get("near_target_share")
    return Decimal(share if share is not None else str(settings.indicator_near_target_share))


def latest_of(direction: str, share: Decimal, recent: Sequence[AnyRow]) -> LatestOutcome | None:
    """The view of the newest of `recent` (newest first, each carrying its year's `target`)."""
    if not recent:
        return None
    current = recent[0]
    previous = recent[1].total if len(recent) > 1 else None
    return LatestOutcome(
        period=current.period,
        total=current.total,
        women=current.women,
        men=current.men,
        target=current.target,
        status=status.assess(direction, current.total, current.target, share),
        trend=status.trend(direction, current.total, previous),
    )


def to_use_read(use: IndicatorUse, latest: LatestOutcome | None = None) -> IndicatorUseRead:
    return IndicatorUseRead.model_validate(use).model_copy(update={"latest": latest})


def _use_snapshot(use: IndicatorUse) -> dict[str, Any]:
    return to_use_read(use).model_dump(mode="json", exclude={"latest"})


async def views(session: AsyncSession, rows: Sequence[UseRow], settings: GoalsSettings) -> list[IndicatorUseRead]:
    """Uses with their latest outcome: one query for the whole page, whatever its size."""
    recent = await repository.latest_outcomes(session, [use.id for use, _ in rows])
    return [to_use_read(use, latest_of(indicator.direction, near_share(use, settings), recent.get(use.id, []))) for use, indicator in rows]


async def get_use(session: AsyncSession, use_id: uuid.UUID) -> UseRow:
    row = await repository.get_use(session, use_id)
    if row is None:
        raise NotFound(f"no indicator use {use_id}")
    return row


async def use_for_write(session: AsyncSession, principal: Principal, use_id: uuid.UUID, roles: tuple[Role, ...], what: str) -> UseRow:
    """The use, once the caller is found to write `what` on its org unit."""
    row = await get_use(session, use_id)
    ensure_can_write(principal, row[0].org_unit_id, roles, what)
    return row


def _stored(thresholds: Thresholds | None) -> dict[str, str] | None:
    return None if thresholds is None else {"near_target_share": str(thresholds.near_target_share)}


def _missing(field: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, errors=[{"pointer": f"#/{field}", "detail": "not found"}])


async def _check_few_per_goal(session: AsyncSession, goal_lineage_id: uuid.UUID, settings: GoalsSettings) -> None:
    await lock_for_rule(session, f"indicators-of-goal:{goal_lineage_id}")
    cap = settings.max_indicators_per_goal
    count = await repository.count_uses_of_goal(session, goal_lineage_id)
    if count >= cap:
        raise RuleViolation(f"few indicators per goal: a goal is followed up with at most {cap} indicators, and this goal has {count}")


async def create_use(
    session: AsyncSession, principal: Principal, data: IndicatorUseCreate, settings: GoalsSettings, org_units: OrgUnitReplica
) -> IndicatorUse:
    ensure_can_write(principal, data.org_unit_id, USE_WRITERS, "an indicator use")
    # Any unit measures: the council, a board, an administration or a unit; one of the directory valid today.
    await require_valid(org_units, data.org_unit_id, pointer="#/org_unit_id", types=None, what="the org unit")
    if (data.goal_id is None) == (data.quality_factor_id is None):
        raise InvalidInput(
            "an indicator use follows exactly one goal or one quality factor",
            errors=[
                {"pointer": f"#/{name}", "detail": "give either goal_id or quality_factor_id"} for name in ("goal_id", "quality_factor_id")
            ],
        )
    if await repository.get_indicator(session, data.indicator_id) is None:
        raise _missing("indicator_id", f"no indicator {data.indicator_id} in the catalogue")
    lineage = None
    if data.goal_id is not None:
        lineage = await repository.goal_lineage(session, data.goal_id)
        if lineage is None:
            raise _missing("goal_id", f"no goal {data.goal_id}")
    if data.quality_factor_id is not None and not await repository.quality_factor_exists(session, data.quality_factor_id):
        raise _missing("quality_factor_id", f"no quality factor {data.quality_factor_id}")
    if await repository.use_exists(session, data.indicator_id, data.org_unit_id, lineage, data.quality_factor_id):
        raise RuleViolation("an org unit follows an indicator once per goal or quality factor, and this one already does")
    if lineage is not None:
        await _check_few_per_goal(session, lineage, settings)
    use = IndicatorUse(
        indicator_id=data.indicator_id,
        org_unit_id=data.org_unit_id,
        goal_lineage_id=lineage,
        quality_factor_id=data.quality_factor_id,
        responsible=data.responsible,
        thresholds=_stored(data.thresholds),
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(use)
    await session.flush()
    auditor.record(session, principal, "CREATE", USE, use.id, after=_use_snapshot(use))
    return use


async def update_use(session: AsyncSession, principal: Principal, use: IndicatorUse, data: IndicatorUseUpdate) -> IndicatorUse:
    ensure_can_write(principal, use.org_unit_id, USE_WRITERS, "an indicator use")
    changes = changes_of(data, nullable=frozenset({"thresholds"}))
    responsible = changes.get("responsible", use.responsible)
    thresholds = _stored(data.thresholds) if "thresholds" in changes else use.thresholds
    if (responsible, thresholds) == (use.responsible, use.thresholds):
        return use  # nothing changes: no new row version, no audit event
    before = _use_snapshot(use)
    use.responsible, use.thresholds = responsible, thresholds
    use.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", USE, use.id, before=before, after=_use_snapshot(use))
    return use


async def delete_use(session: AsyncSession, principal: Principal, use: IndicatorUse) -> None:
    ensure_can_write(principal, use.org_unit_id, USE_WRITERS, "an indicator use")
    # Deleting them along with the use would leave the audit trail without their removal.
    if await repository.has_values(session, use.id):
        raise RuleViolation("an indicator use with recorded targets or outcomes is kept: delete them before the use")
    before = _use_snapshot(use)
    await session.delete(use)
    await session.flush()
    auditor.record(session, principal, "DELETE", USE, use.id, before=before)


# --- targets and outcomes -----------------------------------------------------------------


def to_target_read(target: IndicatorTarget) -> IndicatorTargetRead:
    return IndicatorTargetRead.model_validate(target)


def to_outcome_read(outcome: IndicatorOutcome) -> IndicatorOutcomeRead:
    return IndicatorOutcomeRead.model_validate(outcome)


def check_values(indicator: Indicator, values: GenderValues) -> None:
    if values.total is None and values.women is None and values.men is None:
        raise InvalidInput(
            "a value needs at least one of total, women and men", errors=[{"pointer": "#/total", "detail": "give total, women or men"}]
        )
    by_gender = [name for name in ("women", "men") if getattr(values, name) is not None]
    if by_gender and not indicator.gender_split:
        raise InvalidInput(
            f"values by gender only for gender-split indicators: the catalogue does not split {indicator.name!r} "
            "by women and men, so record its total only",
            errors=[{"pointer": f"#/{name}", "detail": "the indicator is not gender-split"} for name in by_gender],
        )


async def _create(
    session: AsyncSession, principal: Principal, row: Recorded, entity: str, read: Callable[[Recorded], BaseModel]
) -> Recorded:
    session.add(row)
    await session.flush()
    auditor.record(session, principal, "CREATE", entity, row.id, after=_snapshot(read(row)))
    return row


async def _replace(
    session: AsyncSession, principal: Principal, row: Recorded, values: dict[str, Any], entity: str, read: Callable[[Recorded], BaseModel]
) -> Recorded:
    if all(getattr(row, name) == value for name, value in values.items()):
        return row  # the same values again: no new row version, no audit event
    before = _snapshot(read(row))
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", entity, row.id, before=before, after=_snapshot(read(row)))
    return row


async def put_target(
    session: AsyncSession,
    principal: Principal,
    indicator: Indicator,
    use: IndicatorUse,
    year: int,
    data: IndicatorTargetPut,
    existing: IndicatorTarget | None,
) -> IndicatorTarget:
    check_values(indicator, data)
    values = data.model_dump()
    if existing is not None:
        return await _replace(session, principal, existing, values, TARGET, to_target_read)
    row = IndicatorTarget(use_id=use.id, year=year, **values, created_by=principal.user_id, updated_by=principal.user_id)
    return await _create(session, principal, row, TARGET, to_target_read)


async def put_outcome(
    session: AsyncSession,
    principal: Principal,
    indicator: Indicator,
    use: IndicatorUse,
    period: str,
    data: IndicatorOutcomePut,
    existing: IndicatorOutcome | None,
) -> IndicatorOutcome:
    check_values(indicator, data)
    values = data.model_dump()
    if existing is not None:
        return await _replace(session, principal, existing, values, OUTCOME, to_outcome_read)
    year, period_index = parse_period(indicator.frequency, period)
    row = IndicatorOutcome(
        use_id=use.id,
        period=period,
        year=year,
        period_index=period_index,
        **values,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    return await _create(session, principal, row, OUTCOME, to_outcome_read)


async def delete_value(
    session: AsyncSession, principal: Principal, row: Recorded, entity: str, read: Callable[[Recorded], BaseModel]
) -> None:
    before = _snapshot(read(row))
    await session.delete(row)
    await session.flush()
    auditor.record(session, principal, "DELETE", entity, row.id, before=before)


async def get_target(session: AsyncSession, use_id: uuid.UUID, year: int) -> IndicatorTarget:
    target = await repository.get_target(session, use_id, year)
    if target is None:
        raise NotFound(f"indicator use {use_id} has no target for {year}")
    return target


async def get_outcome(session: AsyncSession, use_id: uuid.UUID, period: str) -> IndicatorOutcome:
    outcome = await repository.get_outcome(session, use_id, period)
    if outcome is None:
        raise NotFound(f"indicator use {use_id} has no outcome for {period}")
    return outcome

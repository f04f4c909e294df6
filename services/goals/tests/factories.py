"""Rows of other areas written straight into the service's database, for tests that need them as
a starting point and are not about them. Tests of an area's own behaviour go through its API."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from goals_service.activities.models import Activity, ActivityGoal, FocusArea
from goals_service.goals.models import Goal, GoalLink, GoalYearTarget
from goals_service.indicators.models import Indicator, IndicatorOutcome, IndicatorTarget, IndicatorUse
from goals_service.periods.models import MandatePeriod
from goals_service.quality.models import QualityFactor
from styrkedjan_common.lifecycle import Status

AUTHOR = "factory"


def _tracked() -> dict[str, Any]:
    return {"created_by": AUTHOR, "updated_by": AUTHOR}


async def add(app: Any, *rows: Any) -> None:
    async with app.state.sessionmaker() as session:
        session.add_all(rows)
        await session.commit()


def mandate_period(start_year: int = 2027, years: int = 4) -> MandatePeriod:
    return MandatePeriod(
        id=uuid.uuid4(),
        start_year=start_year,
        end_year=start_year + years - 1,
        name=f"Mandatperiod {start_year}–{start_year + years - 1}",
        **_tracked(),
    )


def goal(
    owner: uuid.UUID,
    *,
    level: str = "BOARD",
    status: Status = Status.DECIDED,
    start_year: int = 2027,
    end_year: int = 2027,
    period: MandatePeriod | None = None,
    title: str = "Fler elever klarar skolan",
    perspective: str = "OPERATIONS",
    contributes_to: tuple[Goal, ...] = (),
    sdgs: list[int] | None = None,
) -> tuple[Goal, list[Any]]:
    """A goal and its link rows (to the lineages of `contributes_to`)."""
    goal_id = uuid.uuid4()
    row = Goal(
        id=goal_id,
        lineage_id=goal_id,
        level=level,
        owner_org_unit_id=owner,
        mandate_period_id=period.id if period else None,
        start_year=start_year,
        end_year=end_year,
        title=title,
        intent="",
        perspective=perspective,
        sdgs=sdgs or [],
        external_codes={},
        status=status.value,
        revision=1,
        **_tracked(),
    )
    if status in (Status.DECIDED, Status.ARCHIVED):
        row.decision_body, row.decision_date, row.decision_reference = "Nämnden", dt.date(start_year - 1, 11, 20), "§ 1"
    links: list[Any] = [GoalLink(goal_id=goal_id, parent_lineage_id=parent.lineage_id) for parent in contributes_to]
    links += [
        GoalYearTarget(goal_id=goal_id, year=y, target_level=f"nivå {y}") for y in range(start_year, end_year + 1) if end_year > start_year
    ]
    return row, links


def indicator(
    *,
    name: str = "Andel elever med godkända betyg",
    gender_split: bool = True,
    direction: str = "HIGHER_IS_BETTER",
    frequency: str = "YEARLY",
    kolada_kpi_id: str | None = None,
) -> Indicator:
    return Indicator(
        id=uuid.uuid4(),
        name=name,
        definition="",
        unit="%",
        direction=direction,
        frequency=frequency,
        source="KOLADA" if kolada_kpi_id else "INTERNAL",
        kolada_kpi_id=kolada_kpi_id,
        gender_split=gender_split,
        sdgs=[],
        external_codes={},
        **_tracked(),
    )


def indicator_use(
    indicator_: Indicator, org_unit: uuid.UUID, *, goal_: Goal | None = None, quality_factor_: QualityFactor | None = None
) -> IndicatorUse:
    return IndicatorUse(
        id=uuid.uuid4(),
        indicator_id=indicator_.id,
        org_unit_id=org_unit,
        goal_lineage_id=goal_.lineage_id if goal_ else None,
        quality_factor_id=quality_factor_.id if quality_factor_ else None,
        responsible="",
        thresholds=None,
        **_tracked(),
    )


def target(use: IndicatorUse, year: int, total: str) -> IndicatorTarget:
    return IndicatorTarget(id=uuid.uuid4(), use_id=use.id, year=year, total=Decimal(total), comment="", **_tracked())


def outcome(use: IndicatorUse, year: int, total: str, period: str | None = None, period_index: int = 12) -> IndicatorOutcome:
    return IndicatorOutcome(
        id=uuid.uuid4(),
        use_id=use.id,
        period=period or str(year),
        year=year,
        period_index=period_index,
        total=Decimal(total),
        comment="",
        source="",
        **_tracked(),
    )


def quality_factor(org_unit: uuid.UUID, name: str = "Trygg och säker vård") -> QualityFactor:
    return QualityFactor(id=uuid.uuid4(), org_unit_id=org_unit, name=name, description="", active=True, **_tracked())


def focus_area(org_unit: uuid.UUID, year: int = 2027, name: str = "Digitalisering") -> FocusArea:
    return FocusArea(id=uuid.uuid4(), org_unit_id=org_unit, year=year, name=name, description="", **_tracked())


def activity(
    owner: uuid.UUID,
    *,
    goals: tuple[Goal, ...] = (),
    start: dt.date = dt.date(2027, 1, 1),
    end: dt.date = dt.date(2027, 12, 31),
    status: str = "ONGOING",
    title: str = "Läsfrämjande insatser",
) -> tuple[Activity, list[Any]]:
    row = Activity(
        id=uuid.uuid4(),
        owner_org_unit_id=owner,
        title=title,
        description="",
        responsible="",
        start_date=start,
        end_date=end,
        status=status,
        sdgs=[],
        external_codes={},
        **_tracked(),
    )
    return row, [ActivityGoal(activity_id=row.id, goal_lineage_id=g.lineage_id) for g in goals]

"""Kolada's SQL: its stored values and municipalities, the catalogue's Kolada key figures and their
uses, peer groups, the sync's lease and the last successful sync."""

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import and_, delete, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.indicators.models import Indicator, IndicatorOutcome, IndicatorUse
from goals_service.jobs.models import Job
from goals_service.kolada.models import KoladaLease, KoladaMunicipality, KoladaPeerGroup, KoladaValue

# --- values -------------------------------------------------------------------------------


async def stored_values(session: AsyncSession, keys: Sequence[tuple[str, str, int]]) -> dict[tuple[str, str, int, str], KoladaValue]:
    """The stored values of these (kpi, municipality, year), by (kpi, municipality, year, gender)."""
    found: dict[tuple[str, str, int, str], KoladaValue] = {}
    distinct = list(dict.fromkeys(keys))
    for start in range(0, len(distinct), 500):
        part = distinct[start : start + 500]
        rows = await session.scalars(
            select(KoladaValue).where(tuple_(KoladaValue.kpi_id, KoladaValue.municipality_id, KoladaValue.year).in_(part))
        )
        for row in rows:
            found[(row.kpi_id, row.municipality_id, row.year, row.gender)] = row
    return found


async def values_of(session: AsyncSession, kpi_id: str, municipality_ids: Sequence[str], years: Sequence[int]) -> list[KoladaValue]:
    return list(
        await session.scalars(
            select(KoladaValue).where(
                KoladaValue.kpi_id == kpi_id, KoladaValue.municipality_id.in_(municipality_ids), KoladaValue.year.in_(years)
            )
        )
    )


async def kpis_with_values(session: AsyncSession, kpi_ids: Sequence[str], municipality_id: str) -> set[str]:
    rows = await session.scalars(
        select(KoladaValue.kpi_id).where(KoladaValue.kpi_id.in_(kpi_ids), KoladaValue.municipality_id == municipality_id).distinct()
    )
    return set(rows)


async def delete_value(session: AsyncSession, value: KoladaValue) -> None:
    await session.delete(value)


# --- municipalities -----------------------------------------------------------------------


async def municipalities(session: AsyncSession, ids: Sequence[str]) -> dict[str, KoladaMunicipality]:
    rows = await session.scalars(select(KoladaMunicipality).where(KoladaMunicipality.id.in_(ids)))
    return {row.id: row for row in rows}


# --- the catalogue ------------------------------------------------------------------------


async def indicators_of_kpis(session: AsyncSession, kpi_ids: Sequence[str]) -> list[Indicator]:
    return list(await session.scalars(select(Indicator).where(Indicator.kolada_kpi_id.in_(kpi_ids)).order_by(Indicator.id)))


async def kolada_kpi_ids(session: AsyncSession) -> list[str]:
    """The Kolada ids of the catalogue's key figures whose source is Kolada."""
    rows = await session.scalars(
        select(Indicator.kolada_kpi_id).where(Indicator.source == "KOLADA", Indicator.kolada_kpi_id.is_not(None)).distinct()
    )
    return sorted(kpi for kpi in rows if kpi)


async def has_gender_values(session: AsyncSession, indicator_id: uuid.UUID) -> bool:
    gendered = or_(IndicatorOutcome.women.is_not(None), IndicatorOutcome.men.is_not(None))
    found = await session.scalar(
        select(func.count())
        .select_from(IndicatorOutcome)
        .join(IndicatorUse, IndicatorUse.id == IndicatorOutcome.use_id)
        .where(IndicatorUse.indicator_id == indicator_id, gendered)
    )
    return bool(found)


async def uses_of(session: AsyncSession, indicator_ids: Sequence[uuid.UUID]) -> list[IndicatorUse]:
    return list(await session.scalars(select(IndicatorUse).where(IndicatorUse.indicator_id.in_(indicator_ids)).order_by(IndicatorUse.id)))


async def outcomes(
    session: AsyncSession, use_ids: Sequence[uuid.UUID], periods: Sequence[str]
) -> dict[tuple[uuid.UUID, str], IndicatorOutcome]:
    rows = await session.scalars(select(IndicatorOutcome).where(IndicatorOutcome.use_id.in_(use_ids), IndicatorOutcome.period.in_(periods)))
    return {(row.use_id, row.period): row for row in rows}


async def kolada_uses_of_factor(session: AsyncSession, factor_id: uuid.UUID) -> list[tuple[IndicatorUse, Indicator]]:
    rows = await session.execute(
        select(IndicatorUse, Indicator)
        .join(Indicator, Indicator.id == IndicatorUse.indicator_id)
        .where(IndicatorUse.quality_factor_id == factor_id, Indicator.source == "KOLADA", Indicator.kolada_kpi_id.is_not(None))
        .order_by(Indicator.name, IndicatorUse.id)
    )
    return [(use, indicator) for use, indicator in rows]


# --- peer groups --------------------------------------------------------------------------


async def get_group(session: AsyncSession, group_id: uuid.UUID) -> KoladaPeerGroup | None:
    return await session.get(KoladaPeerGroup, group_id)


async def list_groups(session: AsyncSession, limit: int, after: tuple[str, uuid.UUID] | None) -> list[KoladaPeerGroup]:
    query = select(KoladaPeerGroup).order_by(KoladaPeerGroup.name, KoladaPeerGroup.id).limit(limit)
    if after is not None:
        name, group_id = after
        query = query.where(or_(KoladaPeerGroup.name > name, and_(KoladaPeerGroup.name == name, KoladaPeerGroup.id > group_id)))
    return list(await session.scalars(query))


async def peer_municipality_ids(session: AsyncSession) -> set[str]:
    """Every municipality some peer group names."""
    found: set[str] = set()
    for ids in await session.scalars(select(KoladaPeerGroup.municipality_ids)):
        found.update(ids)
    return found


# --- the sync's lease and its last success ------------------------------------------------


async def claim_lease(session: AsyncSession, name: str, holder: str, now: dt.datetime, until: dt.datetime) -> bool:
    """Takes the lease unless another holds it unexpired: the condition is checked in the UPDATE
    itself, so of two at once only one changes the row."""
    taken = await session.execute(
        update(KoladaLease)
        .where(KoladaLease.name == name, or_(KoladaLease.until < now, KoladaLease.holder == holder))
        .values(holder=holder, until=until)
    )
    if taken.rowcount:  # type: ignore[attr-defined]
        return True
    if await session.get(KoladaLease, name) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(KoladaLease(name=name, holder=holder, until=until))
    except IntegrityError:  # another took it first
        return False
    return True


async def release_lease(session: AsyncSession, name: str, holder: str) -> None:
    await session.execute(delete(KoladaLease).where(KoladaLease.name == name, KoladaLease.holder == holder))


async def last_success_started(session: AsyncSession, kind: str) -> dt.datetime | None:
    return await session.scalar(select(func.max(Job.started_at)).where(Job.kind == kind, Job.state == "SUCCEEDED", Job.dry_run.is_(False)))

"""Every query of the planning assumptions."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, SQLColumnExpression, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.assumptions.models import PopulationForecast, PriceIndex, TaxForecast

# Bound rather than constrained: a dataset's model, typed as any of the three, is accepted as it is.
Assumption = TypeVar("Assumption", bound=PopulationForecast | TaxForecast | PriceIndex)


async def page(
    session: AsyncSession,
    model: type[Assumption],
    order: Sequence[ColumnElement[Any]],
    filters: Iterable[ColumnElement[bool]],
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[Assumption]:
    """One page of rows in the stable ascending `order` (ending with the id), after the cursor's key."""
    query = select(model).where(*filters).order_by(*order).limit(limit)
    if after is not None:
        query = query.where(tuple_(*order) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def stored_for_publications(session: AsyncSession, model: type[Assumption], publication_dates: Iterable[dt.date]) -> list[Assumption]:
    """The rows of the publications a file names: the ones its rows may replace."""
    return list((await session.scalars(select(model).where(model.publication_date.in_(set(publication_dates))))).all())


async def publications(session: AsyncSession, model: type[Assumption], before: tuple[Any, ...] | None, limit: int) -> list[tuple[Any, ...]]:
    """Publications newest first: (publication_date[, index_name], rows, first_year, last_year, sources)."""
    group: list[SQLColumnExpression[Any]] = [model.publication_date]
    if issubclass(model, PriceIndex):
        group.append(model.index_name)
    query = (
        select(*group, func.count(), func.min(model.year), func.max(model.year))
        .group_by(*group)
        .order_by(*(column.desc() for column in group))
        .limit(limit)
    )
    if before is not None:
        query = query.where(tuple_(*group) < tuple_(*before)) if len(group) > 1 else query.where(group[0] < before[0])
    summaries = list((await session.execute(query)).all())
    if not summaries:
        return []
    # The sources of the page's publications in one more query (string aggregation differs per
    # backend); a price index has no source.
    sources: dict[tuple[Any, ...], list[str]] = {}
    if not issubclass(model, PriceIndex):
        dates = {summary[0] for summary in summaries}
        rows = await session.execute(
            select(model.publication_date, model.source).where(model.publication_date.in_(dates)).distinct().order_by(model.source)
        )
        for publication_date, source in rows.all():
            sources.setdefault((publication_date,), []).append(source)
    width = len(group)
    return [(*s, sources.get(tuple(s[:width]), [])) for s in summaries]


async def price_index(session: AsyncSession, index_name: str, publication_date: dt.date, year: int) -> PriceIndex | None:
    """The index as a whole (no component) for a year, from one publication."""
    query = select(PriceIndex).where(
        PriceIndex.index_name == index_name,
        PriceIndex.publication_date == publication_date,
        PriceIndex.year == year,
        PriceIndex.component.is_(None),
    )
    return (await session.scalars(query)).first()


async def population_rows(session: AsyncSession, publication_date: dt.date, years: Iterable[int]) -> list[PopulationForecast]:
    query = select(PopulationForecast).where(
        PopulationForecast.publication_date == publication_date, PopulationForecast.year.in_(set(years))
    )
    return list((await session.scalars(query)).all())

"""Every query of the Stratsys KPI data import and export: the catalogue and its uses as the import
resolves lines against them, the stored values of a batch of keys, and the set-based writes (one
INSERT and one UPDATE statement per batch, executed for many rows)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ARRAY, Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.indicators.models import Indicator, IndicatorOutcome, IndicatorTarget, IndicatorUse
from styrkedjan_common.db import AnyRow

OUTCOMES: Table = IndicatorOutcome.__table__  # type: ignore[assignment]
TARGETS: Table = IndicatorTarget.__table__  # type: ignore[assignment]
# Rows asked for or written per statement: well below both databases' limits of bound parameters.
KEYS_PER_QUERY = 1000


async def indicators(session: AsyncSession) -> Sequence[AnyRow]:
    query = select(Indicator.id, Indicator.name, Indicator.frequency, Indicator.gender_split, Indicator.external_codes)
    return (await session.execute(query)).all()


async def uses(session: AsyncSession) -> Sequence[AnyRow]:
    """Every use: (id, indicator, org unit), the oldest first."""
    query = select(IndicatorUse.id, IndicatorUse.indicator_id, IndicatorUse.org_unit_id).order_by(IndicatorUse.created_at, IndicatorUse.id)
    return (await session.execute(query)).all()


async def existing_use_ids(session: AsyncSession, use_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    ids = list(use_ids)
    for start in range(0, len(ids), KEYS_PER_QUERY):
        found.update((await session.scalars(select(IndicatorUse.id).where(IndicatorUse.id.in_(ids[start : start + KEYS_PER_QUERY])))).all())
    return found


async def stored_outcomes(session: AsyncSession, keys: Sequence[tuple[uuid.UUID, str]], lock: bool) -> dict[tuple[uuid.UUID, str], AnyRow]:
    """The stored outcomes of (use, period) keys; locked for the import's update when `lock`."""
    # The uses' rows of the periods named: index-friendly (use_id, period), where a list of pairs is
    # not; the few rows of other combinations are left out by the caller's lookup.
    query = select(OUTCOMES.c.id, OUTCOMES.c.use_id, OUTCOMES.c.period, OUTCOMES.c.total, OUTCOMES.c.women, OUTCOMES.c.men).where(
        OUTCOMES.c.use_id.in_({use_id for use_id, _ in keys}), OUTCOMES.c.period.in_({period for _, period in keys})
    )
    if lock:
        query = query.with_for_update()
    return {(row.use_id, row.period): row for row in (await session.execute(query)).all()}


async def stored_targets(session: AsyncSession, keys: Sequence[tuple[uuid.UUID, int]], lock: bool) -> dict[tuple[uuid.UUID, int], AnyRow]:
    query = select(TARGETS.c.id, TARGETS.c.use_id, TARGETS.c.year, TARGETS.c.total, TARGETS.c.women, TARGETS.c.men).where(
        TARGETS.c.use_id.in_({use_id for use_id, _ in keys}), TARGETS.c.year.in_({year for _, year in keys})
    )
    if lock:
        query = query.with_for_update()
    return {(row.use_id, row.year): row for row in (await session.execute(query)).all()}


def _arrays(table: Table, columns: dict[str, list[Any]]) -> list[Any]:
    """Each column's values as one array parameter, typed as the column."""
    return [bindparam(f"a_{name}", values, type_=ARRAY(table.c[name].type)) for name, values in columns.items()]


async def insert_values(session: AsyncSession, table: Table, columns: dict[str, list[Any]], constants: dict[str, Any]) -> None:
    """New rows with new ids: `columns` holds each column's value per row, `constants` the columns
    the same for all. On PostgreSQL one INSERT ... SELECT FROM unnest(arrays): a statement of a few
    parameters whatever the rows' number; elsewhere one INSERT executed for many rows."""
    names = list(columns)
    if session.get_bind().dialect.name != "postgresql":
        rows = [
            {"id": uuid.uuid4(), **dict(zip(names, values, strict=True)), **constants} for values in zip(*columns.values(), strict=True)
        ]
        await session.execute(insert(table), rows)
        return
    values = func.unnest(*_arrays(table, columns)).table_valued(*names).render_derived()
    fixed = [bindparam(f"c_{name}", value, type_=table.c[name].type).label(name) for name, value in constants.items()]
    # Each new row's id is drawn by PostgreSQL (gen_random_uuid, version 4 as uuid.uuid4 draws them).
    query = select(func.gen_random_uuid().label("id"), *values.c, *fixed)
    await session.execute(insert(table).from_select(["id", *names, *constants], query))


async def update_values(session: AsyncSession, table: Table, rows: list[dict[str, Any]], constants: dict[str, Any]) -> None:
    """New totals, women and men by row id (`rows`: id, total, women, men), each row's version
    bumped as the API's update does; `constants` (updated_at, updated_by) the same for all. On
    PostgreSQL one UPDATE ... FROM unnest(arrays); elsewhere one UPDATE executed for many rows."""
    if not rows:
        return
    names = ("id", "total", "women", "men")
    if session.get_bind().dialect.name == "postgresql":
        arrays = _arrays(table, {name: [row[name] for row in rows] for name in names})
        values = func.unnest(*arrays).table_valued(*names).render_derived()
        statement = (
            update(table)
            .where(table.c.id == values.c.id)
            .values(total=values.c.total, women=values.c.women, men=values.c.men, row_version=table.c.row_version + 1, **constants)
        )
        await session.execute(statement)
        return
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            total=bindparam("b_total"), women=bindparam("b_women"), men=bindparam("b_men"), row_version=table.c.row_version + 1, **constants
        )
    )
    await session.execute(statement, [{f"b_{name}": row[name] for name in names} for row in rows])


# --- export -------------------------------------------------------------------------------


def _in_units(query: Any, org_unit_ids: Collection[uuid.UUID] | None) -> Any:
    return query if org_unit_ids is None else query.where(IndicatorUse.org_unit_id.in_(list(org_unit_ids)))


async def outcomes_of_year(session: AsyncSession, year: int, org_unit_ids: Collection[uuid.UUID] | None) -> Sequence[AnyRow]:
    """The year's outcomes with their use's unit and indicator, oldest use first."""
    query = (
        select(
            IndicatorUse.org_unit_id,
            IndicatorUse.indicator_id,
            OUTCOMES.c.year,
            OUTCOMES.c.period_index,
            OUTCOMES.c.total,
            OUTCOMES.c.women,
            OUTCOMES.c.men,
        )
        .join(IndicatorUse, IndicatorUse.id == OUTCOMES.c.use_id)
        .where(OUTCOMES.c.year == year)
        .order_by(IndicatorUse.created_at, IndicatorUse.id, OUTCOMES.c.period_index)
    )
    return (await session.execute(_in_units(query, org_unit_ids))).all()


async def targets_of_year(session: AsyncSession, year: int, org_unit_ids: Collection[uuid.UUID] | None) -> Sequence[AnyRow]:
    query = (
        select(IndicatorUse.org_unit_id, IndicatorUse.indicator_id, TARGETS.c.year, TARGETS.c.total, TARGETS.c.women, TARGETS.c.men)
        .join(IndicatorUse, IndicatorUse.id == TARGETS.c.use_id)
        .where(TARGETS.c.year == year)
        .order_by(IndicatorUse.created_at, IndicatorUse.id)
    )
    return (await session.execute(_in_units(query, org_unit_ids))).all()

"""Every query of the Stratsys KPI data import and export: the catalogue and its uses as the import
resolves lines against them, the stored values of a batch of keys, and the set-based writes (one
INSERT and one UPDATE statement per batch, executed for many rows)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, tuple_, update
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
    query = select(OUTCOMES.c.id, OUTCOMES.c.use_id, OUTCOMES.c.period, OUTCOMES.c.total, OUTCOMES.c.women, OUTCOMES.c.men).where(
        tuple_(OUTCOMES.c.use_id, OUTCOMES.c.period).in_(keys)
    )
    if lock:
        query = query.with_for_update()
    return {(row.use_id, row.period): row for row in (await session.execute(query)).all()}


async def stored_targets(session: AsyncSession, keys: Sequence[tuple[uuid.UUID, int]], lock: bool) -> dict[tuple[uuid.UUID, int], AnyRow]:
    query = select(TARGETS.c.id, TARGETS.c.use_id, TARGETS.c.year, TARGETS.c.total, TARGETS.c.women, TARGETS.c.men).where(
        tuple_(TARGETS.c.use_id, TARGETS.c.year).in_(keys)
    )
    if lock:
        query = query.with_for_update()
    return {(row.use_id, row.year): row for row in (await session.execute(query)).all()}


async def insert_values(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(table), rows)


async def update_values(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """New totals, women and men by row id, each row's version bumped (as the API's update does)."""
    if not rows:
        return
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            total=bindparam("b_total"),
            women=bindparam("b_women"),
            men=bindparam("b_men"),
            updated_at=bindparam("b_at"),
            updated_by=bindparam("b_by"),
            row_version=table.c.row_version + 1,
        )
    )
    await session.execute(statement, rows)


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

"""Every query of the actuals area: the staging of a delivery and its upsert, lists, the forecasts
and the summary's aggregates (each one GROUP BY, so the summary costs a fixed number of queries)."""

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Row,
    Select,
    String,
    Table,
    and_,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from budget_service.actuals.csv_import import StagedRow
from budget_service.actuals.models import Actual, ActualsImport, Forecast
from budget_service.allocations.models import ActivityArea, CostCenter
from budget_service.budgets.models import Budget, Frame
from budget_service.money import MONEY_COLUMN
from styrkedjan_common.db import AnyRow
from styrkedjan_common.lifecycle import Status

if TYPE_CHECKING:
    import asyncpg

# Declared with __tablename__, so a Table (SQLAlchemy types __table__ as any FromClause).
ACTUAL = cast(Table, Actual.__table__)
# A delivery's rows before they are checked as a whole and merged: a temporary table of the
# request's connection, in its own metadata so neither migrations nor test clean-up see it.
STAGING = Table(
    "actual_staging",
    MetaData(),
    Column("line", Integer, nullable=False),
    Column("year", Integer, nullable=False),
    Column("month", Integer, nullable=False),
    Column("cost_center_code", String(40), nullable=False),
    Column("account", String(20), nullable=False),
    Column("amount", MONEY_COLUMN, nullable=False),
    prefixes=["TEMPORARY"],
)
STAGING_COLUMNS = [c.name for c in STAGING.columns]
KEY = ("year", "month", "cost_center_code", "account")


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- deliveries ---------------------------------------------------------------------------


async def cost_center_codes(session: AsyncSession) -> set[str]:
    return set((await session.scalars(select(CostCenter.code))).all())


async def cost_center_owners(session: AsyncSession) -> dict[str, tuple[uuid.UUID, uuid.UUID | None]]:
    """Each cost centre code with its board and the org unit it serves."""
    query = select(CostCenter.code, ActivityArea.board_org_unit_id, CostCenter.org_unit_id).join(
        ActivityArea, CostCenter.activity_area_id == ActivityArea.id
    )
    return {code: (board, unit) for code, board, unit in (await session.execute(query)).all()}


async def import_by_sha256(session: AsyncSession, sha256: str) -> ActualsImport | None:
    return (await session.scalars(select(ActualsImport).where(ActualsImport.sha256 == sha256))).first()


async def get_import(session: AsyncSession, import_id: uuid.UUID) -> ActualsImport | None:
    return await session.get(ActualsImport, import_id)


async def open_staging(session: AsyncSession) -> None:
    connection = await session.connection()
    if not _is_postgresql(session):
        # SQLite creates the table outside the transaction; one left by a failed delivery goes first.
        await connection.execute(text("DROP TABLE IF EXISTS temp.actual_staging"))
    await connection.run_sync(STAGING.create)


async def close_staging(session: AsyncSession) -> None:
    await (await session.connection()).run_sync(STAGING.drop)


async def stage(session: AsyncSession, rows: list[StagedRow]) -> None:
    """Add rows to the staging table: COPY on PostgreSQL, a multi-row INSERT elsewhere."""
    connection = await session.connection()
    if _is_postgresql(session):
        raw = await connection.get_raw_connection()
        # asyncpg's own connection under SQLAlchemy's adapter (None only once it is closed).
        driver = cast("asyncpg.Connection[asyncpg.Record]", raw.driver_connection)
        await driver.copy_records_to_table(STAGING.name, records=rows, columns=STAGING_COLUMNS)
    else:
        await connection.execute(insert(STAGING), [dict(zip(STAGING_COLUMNS, row, strict=True)) for row in rows])


async def staged_duplicates(session: AsyncSession, limit: int) -> tuple[list[AnyRow], int]:
    """Staged rows repeating the key of an earlier line (first `limit` by line) and how many there are."""
    key = [STAGING.c[name] for name in KEY]
    ranked = select(STAGING, func.min(STAGING.c.line).over(partition_by=key).label("first_line")).subquery()
    query = (
        select(ranked.c.line, ranked.c.first_line, *(ranked.c[name] for name in KEY), func.count().over().label("total"))
        .where(ranked.c.line > ranked.c.first_line)
        .order_by(ranked.c.line)
        .limit(limit)
    )
    rows = list((await session.execute(query)).all())
    return rows, rows[0].total if rows else 0


async def staged_periods(session: AsyncSession) -> list[tuple[int, int]]:
    query = select(STAGING.c.year, STAGING.c.month).distinct().order_by(STAGING.c.year, STAGING.c.month)
    return [(year, month) for year, month in (await session.execute(query)).all()]


async def merge_staged(session: AsyncSession, import_id: uuid.UUID) -> tuple[int, int]:
    """Store the staged amounts: correct those of stored keys that differ, insert the new keys.
    Returns (inserted, updated); stored keys with the same amount keep their earlier import."""
    same_key = and_(*(ACTUAL.c[name] == STAGING.c[name] for name in KEY))
    corrected = update(ACTUAL).where(same_key, ACTUAL.c.amount != STAGING.c.amount).values(amount=STAGING.c.amount, import_id=import_id)
    # Core statements, executed on the session's connection: their results are the cursor's, with rowcount.
    connection = await session.connection()
    updated = (await connection.execute(corrected)).rowcount
    new_keys = select(*(STAGING.c[name] for name in KEY), STAGING.c.amount, literal(import_id, Uuid())).where(~exists().where(same_key))
    inserted = (await connection.execute(insert(ACTUAL).from_select([*KEY, "amount", "import_id"], new_keys))).rowcount
    return inserted, updated


async def list_actuals(
    session: AsyncSession,
    *,
    year: int | None,
    month: int | None,
    cost_center_code: str | None,
    account: str | None,
    limit: int,
    after: tuple[int, int, str, str] | None,
) -> list[Actual]:
    query = select(Actual).order_by(*(getattr(Actual, name) for name in KEY)).limit(limit)
    for name, value in (("year", year), ("month", month), ("cost_center_code", cost_center_code), ("account", account)):
        if value is not None:
            query = query.where(getattr(Actual, name) == value)
    if after is not None:
        query = query.where(tuple_(*(getattr(Actual, name) for name in KEY)) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def list_imports(session: AsyncSession, limit: int, before: tuple[dt.datetime, uuid.UUID] | None) -> list[ActualsImport]:
    query = select(ActualsImport).order_by(ActualsImport.imported_at.desc(), ActualsImport.id.desc()).limit(limit)
    if before is not None:
        query = query.where(tuple_(ActualsImport.imported_at, ActualsImport.id) < tuple_(*before))
    return list((await session.scalars(query)).all())


# --- forecasts ----------------------------------------------------------------------------


async def get_forecast(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int, occasion: str) -> Forecast | None:
    query = select(Forecast).where(Forecast.board_org_unit_id == board_org_unit_id, Forecast.year == year, Forecast.occasion == occasion)
    return (await session.scalars(query)).first()


async def list_forecasts(
    session: AsyncSession,
    *,
    year: int | None,
    boards: Sequence[uuid.UUID] | None,
    limit: int,
    after: tuple[int, uuid.UUID, str] | None,
) -> list[Forecast]:
    position = (Forecast.year, Forecast.board_org_unit_id, Forecast.occasion)
    query = select(Forecast).order_by(*position).limit(limit)
    if year is not None:
        query = query.where(Forecast.year == year)
    if boards is not None:
        query = query.where(Forecast.board_org_unit_id.in_(boards))
    if after is not None:
        query = query.where(tuple_(*position) > tuple_(*after))
    return list((await session.scalars(query)).all())


# --- summary ------------------------------------------------------------------------------


async def budget_in_force(session: AsyncSession, year: int) -> Budget | None:
    """The decided budget for the year (its latest revision, should an amendment be decided)."""
    query = select(Budget).where(Budget.year == year, Budget.status == Status.DECIDED.value).order_by(Budget.revision.desc()).limit(1)
    return (await session.scalars(query)).first()


async def operating_frames(session: AsyncSession, budget_id: uuid.UUID, year: int) -> dict[uuid.UUID, Decimal]:
    query = select(Frame.board_org_unit_id, Frame.amount).where(Frame.budget_id == budget_id, Frame.year == year, Frame.kind == "OPERATING")
    return dict((await session.execute(query)).all())


def _actuals_of_year(year: int, through_month: int | None) -> Select[uuid.UUID, Decimal, int]:
    query = (
        select(
            ActivityArea.board_org_unit_id.label("board"),
            func.sum(Actual.amount).label("amount"),
            func.max(Actual.month).label("last_month"),
        )
        .select_from(Actual)
        .join(CostCenter, CostCenter.code == Actual.cost_center_code)
        .join(ActivityArea, ActivityArea.id == CostCenter.activity_area_id)
        .where(Actual.year == year)
    )
    return query.where(Actual.month <= through_month) if through_month is not None else query


async def actuals_by_board(session: AsyncSession, year: int, through_month: int | None) -> Sequence[Row[uuid.UUID, Decimal, int]]:
    """(board, amount, last_month) per board with booked amounts in the year."""
    query = _actuals_of_year(year, through_month).group_by(ActivityArea.board_org_unit_id)
    return (await session.execute(query)).all()


async def actuals_by_org_unit(session: AsyncSession, year: int, through_month: int | None) -> Sequence[AnyRow]:
    """(board, org_unit, amount, last_month) per board and org unit the cost centres serve."""
    query = (
        _actuals_of_year(year, through_month)
        .add_columns(CostCenter.org_unit_id.label("org_unit"))
        .group_by(ActivityArea.board_org_unit_id, CostCenter.org_unit_id)
    )
    return (await session.execute(query)).all()


async def forecasts_of_year(session: AsyncSession, year: int) -> Sequence[Forecast]:
    return (await session.scalars(select(Forecast).where(Forecast.year == year))).all()


# The allocations area's lines (allocations/models.py: Allocation), read by their table so this
# area depends on its columns only: every line of a board's allocation of the year counts.
_ALLOCATED = text(
    "SELECT board_org_unit_id AS board, SUM(amount) AS amount FROM allocation WHERE year = :year GROUP BY board_org_unit_id"
).columns(board=Uuid(), amount=MONEY_COLUMN)


async def allocated_by_board(session: AsyncSession, year: int) -> dict[uuid.UUID, Decimal]:
    return {row.board: row.amount for row in (await session.execute(_ALLOCATED, {"year": year})).all()}

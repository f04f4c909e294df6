"""Migration 0010 carries stored follow-ups into the one vocabulary (APRIL -> FORECAST, AUGUST ->
INTERIM, DECEMBER -> ANNUAL) and back again on downgrade, on the backend the suite runs on."""

import asyncio
import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from budget_service.__main__ import MIGRATIONS
from styrkedjan_common.migrations import downgrade, upgrade
from styrkedjan_common.testing import fresh_database

BOARD = uuid.uuid4()
AREAS = (uuid.uuid4(), uuid.uuid4())
AT = dt.datetime(2027, 5, 1, tzinfo=dt.UTC)


def _tracked() -> list[sa.ColumnClause]:
    return [
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("created_by", sa.String),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("updated_by", sa.String),
        sa.column("row_version", sa.Integer),
    ]


# The tables as revision 0009 left them, only the columns these rows need.
ACTIVITY_AREA = sa.table(
    "activity_area", sa.column("id", sa.Uuid), sa.column("board_org_unit_id", sa.Uuid), sa.column("code"), sa.column("name"), *_tracked()
)
FORECAST = sa.table(
    "forecast",
    sa.column("id", sa.Uuid),
    sa.column("board_org_unit_id", sa.Uuid),
    sa.column("year", sa.Integer),
    sa.column("occasion", sa.String),
    sa.column("amount", sa.Numeric(18, 2)),
    sa.column("comment", sa.Text),
    *_tracked(),
)
REALLOCATION = sa.table(
    "reallocation",
    sa.column("id", sa.Uuid),
    sa.column("board_org_unit_id", sa.Uuid),
    sa.column("year", sa.Integer),
    sa.column("from_activity_area_id", sa.Uuid),
    sa.column("to_activity_area_id", sa.Uuid),
    sa.column("amount", sa.Numeric(18, 2)),
    sa.column("decision_body", sa.String),
    sa.column("decision_date", sa.Date),
    sa.column("decision_reference", sa.String),
    sa.column("reported_at_occasion", sa.String),
    *_tracked(),
)
TRACKED = {"created_at": AT, "created_by": "ekonom", "updated_at": AT, "updated_by": "ekonom", "row_version": 1}


async def _store_before_0010(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.insert(ACTIVITY_AREA),
                [{"id": a, "board_org_unit_id": BOARD, "code": f"A{i}", "name": f"A{i}", **TRACKED} for i, a in enumerate(AREAS)],
            )
            await connection.execute(
                sa.insert(FORECAST),
                [
                    {
                        "id": uuid.uuid4(),
                        "board_org_unit_id": BOARD,
                        "year": 2027,
                        "occasion": o,
                        "amount": Decimal(i),
                        "comment": "",
                        **TRACKED,
                    }
                    for i, o in enumerate(("APRIL", "AUGUST"))
                ],
            )
            await connection.execute(
                sa.insert(REALLOCATION),
                [
                    {
                        "id": uuid.uuid4(),
                        "board_org_unit_id": BOARD,
                        "year": 2027,
                        "from_activity_area_id": AREAS[0],
                        "to_activity_area_id": AREAS[1],
                        "amount": Decimal(i),
                        "decision_body": "Vård- och omsorgsnämnden",
                        "decision_date": dt.date(2027, 3, 20),
                        "decision_reference": "VON § 12/2027",
                        "reported_at_occasion": o,
                        **TRACKED,
                    }
                    for i, o in enumerate(("APRIL", "AUGUST", "DECEMBER", None))
                ],
            )
    finally:
        await engine.dispose()


async def _occasions(url: str) -> tuple[list[str], list[str | None]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            forecasts = (await connection.execute(sa.select(FORECAST.c.occasion).order_by(FORECAST.c.amount))).scalars().all()
            reported = (
                (await connection.execute(sa.select(REALLOCATION.c.reported_at_occasion).order_by(REALLOCATION.c.amount))).scalars().all()
            )
            return list(forecasts), list(reported)
    finally:
        await engine.dispose()


def test_stored_occasions_are_renamed_up_and_back_down() -> None:
    with fresh_database("occasions") as url:
        upgrade(MIGRATIONS, url, "0009")
        asyncio.run(_store_before_0010(url))

        upgrade(MIGRATIONS, url, "0010")
        assert asyncio.run(_occasions(url)) == (["FORECAST", "INTERIM"], ["FORECAST", "INTERIM", "ANNUAL", None])

        downgrade(MIGRATIONS, url, "0009")
        assert asyncio.run(_occasions(url)) == (["APRIL", "AUGUST"], ["APRIL", "AUGUST", "DECEMBER", None])

"""Portable column types: timestamps are timezone-aware UTC on every backend."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from styrkedjan_common.db import UTCDateTime, create_engine

STOCKHOLM_SUMMER = timezone(timedelta(hours=2))


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 6, 15, 12, 0), dialect=None)


def test_aware_datetime_is_stored_as_utc():
    stored = UTCDateTime().process_bind_param(datetime(2026, 6, 15, 12, 0, tzinfo=STOCKHOLM_SUMMER), dialect=None)
    assert stored == datetime(2026, 6, 15, 10, 0, tzinfo=UTC) and stored.utcoffset() == timedelta(0)


def test_naive_value_from_the_database_is_read_as_utc():
    read = UTCDateTime().process_result_value(datetime(2026, 6, 15, 10, 0), dialect=None)
    assert read == datetime(2026, 6, 15, 10, 0, tzinfo=UTC) and read.tzinfo is UTC


def test_nulls_pass_through():
    assert UTCDateTime().process_bind_param(None, None) is None
    assert UTCDateTime().process_result_value(None, None) is None


async def test_round_trip_through_sqlite_is_aware_utc_and_naive_is_refused(tmp_path):
    table = Table("stamp", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime))
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'stamps.db'}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(table.metadata.create_all)
            await connection.execute(insert(table).values(id=1, at=datetime(2026, 6, 15, 12, 0, tzinfo=STOCKHOLM_SUMMER)))
            assert (await connection.scalar(select(table.c.at))) == datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
            with pytest.raises(StatementError, match="naive"):
                await connection.execute(insert(table).values(id=2, at=datetime(2026, 6, 15, 12, 0)))
    finally:
        await engine.dispose()

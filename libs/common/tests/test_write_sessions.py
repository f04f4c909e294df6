"""Writing sessions check a rule that counts rows (a cap) and write what it allows without another
writer in between, on SQLite as on PostgreSQL."""

import asyncio

import pytest
from sqlalchemy import Integer, String, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from styrkedjan_common.db import Base, create_engine, lock_for_rule, make_metadata, make_read_sessionmaker, make_sessionmaker


class ProbeBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class Seat(ProbeBase):
    __tablename__ = "seat"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(String(50))


@pytest.fixture
async def engine(database_url):
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(ProbeBase.metadata.create_all)
    yield engine
    await engine.dispose()


async def seats_taken(session) -> int:
    await lock_for_rule(session, "seats")
    return await session.scalar(select(func.count()).select_from(Seat)) or 0


async def test_a_second_writer_counts_only_once_the_first_has_committed(engine):
    sessions = make_sessionmaker(engine)
    async with sessions() as first, sessions() as second:
        assert await seats_taken(first) == 0
        await first.execute(insert(Seat).values(id=1, holder="first"))
        counting = asyncio.create_task(seats_taken(second))
        await asyncio.sleep(0.3)
        assert not counting.done()  # waits for the first writer instead of counting what it cannot see yet
        async with make_read_sessionmaker(engine)() as reading:  # reads go on meanwhile
            assert await reading.scalar(select(func.count()).select_from(Seat)) == 0
        await first.commit()
        assert await asyncio.wait_for(counting, 10) == 1
        await second.rollback()


async def test_forty_writers_at_once_take_exactly_the_seats_there_are(engine):
    sessions = make_sessionmaker(engine)

    async def take(n: int) -> bool:
        async with sessions() as session:
            if await seats_taken(session) >= 5:
                return False
            await asyncio.sleep(0)  # lets the others run between the count and the write
            await session.execute(insert(Seat).values(id=n, holder=f"writer {n}"))
            await session.commit()
            return True

    taken = await asyncio.gather(*(take(n) for n in range(40)))
    assert taken.count(True) == 5
    async with sessions() as check:
        assert await check.scalar(select(func.count()).select_from(Seat)) == 5

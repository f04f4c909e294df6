"""GET and HEAD requests read through sessions without a transaction, which refuse to write."""

import pytest
from sqlalchemy import Integer, String, func, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from styrkedjan_common.db import Base, create_engine, make_metadata, make_read_sessionmaker, make_sessionmaker


class ProbeBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class Note(ProbeBase):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(50))


@pytest.fixture
async def engine(database_url):
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(ProbeBase.metadata.create_all)
        await connection.execute(insert(Note).values(id=1, text="kept"))
    yield engine
    await engine.dispose()


async def in_transaction(session) -> bool:
    """Whether the database connection itself is inside a transaction (not SQLAlchemy's idea of it)."""
    driver = (await (await session.connection()).get_raw_connection()).driver_connection
    return driver.is_in_transaction() if hasattr(driver, "is_in_transaction") else driver.in_transaction


async def test_a_read_session_reads_without_opening_a_transaction(engine):
    async with make_read_sessionmaker(engine)() as reading:
        assert (await reading.scalar(select(Note.text))) == "kept"
        assert not await in_transaction(reading)
    async with make_sessionmaker(engine)() as writing:  # the contrast: a write session holds one from its first read
        await writing.scalar(select(Note.text))
        assert await in_transaction(writing)


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.add(Note(id=2, text="new")),
        lambda s: s.execute(insert(Note).values(id=2, text="new")),
        lambda s: s.execute(update(Note).values(text="changed")),
    ],
    ids=["flush", "insert", "update"],
)
async def test_a_read_session_refuses_to_write_and_nothing_changes(engine, write):
    async with make_read_sessionmaker(engine)() as reading:
        with pytest.raises(RuntimeError, match="cannot write"):
            pending = write(reading)
            if pending is not None:
                await pending
            await reading.flush()
    async with make_sessionmaker(engine)() as check:
        assert (await check.scalar(select(func.count()).select_from(Note))) == 1
        assert (await check.scalar(select(Note.text))) == "kept"

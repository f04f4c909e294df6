"""Database plumbing: declarative base, portable column types, engine and sessions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeAlias

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, Integer, MetaData, Row, String, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, ORMExecuteState, Session, declared_attr, mapped_column
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.sql import FromClause
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    import asyncpg

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")

# A result row of any shape. SQLAlchemy types a row by its columns (`Row[Goal, int]`); a query
# whose columns are many or vary says so with this.
AnyRow: TypeAlias = Row[*tuple[Any, ...]]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite hands back naive datetimes)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    """Each app derives its own base so that each owns one MetaData (one database)."""

    __abstract__ = True


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


async def connect_asyncpg(url: str | URL, **options: Any) -> asyncpg.Connection:
    """A plain asyncpg connection to what a SQLAlchemy URL names (database `postgres` when it names none)."""
    import asyncpg

    parsed = make_url(url) if isinstance(url, str) else url
    return await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database=parsed.database or "postgres",
        **options,
    )


class WatchedPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's pool for asyncio, counting the checkouts that wait for a connection: the
    metrics show them as `db_pool_waiting`."""

    waiting = 0

    def _do_get(self) -> Any:
        self.waiting += 1
        try:
            return super()._do_get()
        finally:
            self.waiting -= 1


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10, pool_timeout: float = 10.0) -> AsyncEngine:
    """`pool_size` connections at most (a fixed pool, no overflow); a checkout that waits longer
    than `pool_timeout` seconds raises sqlalchemy.exc.TimeoutError, answered 503 (overload.py)."""
    parsed = make_url(url)
    pool = {"poolclass": WatchedPool, "pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout}
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **pool)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # SQLite's lower() folds only A–Z; ilike must find "Äldreomsorg" from "äldreomsorg" as PostgreSQL does.
            dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
            # The driver would BEGIN only before the first INSERT, UPDATE or DELETE, after the
            # reads that check a rule; the "begin" hook below begins instead.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            # A transaction takes SQLite's one write lock as it begins: writers then run one at a
            # time and each reads what the one before committed, so a rule's count (a cap) and the
            # write it allows cannot interleave with another's. busy_timeout makes the next
            # writer wait for the lock rather than fail. Read sessions (AUTOCOMMIT) never begin
            # and read alongside (WAL).
            if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pre-ping: it costs a round trip on every checkout. A connection broken by a server
    # restart fails one request and is then discarded; recycling bounds a connection's age.
    # A fixed pool without overflow: overflow connections are opened and closed under load, and
    # that churn costs far more than waiting briefly for a pooled one. skip_autocommit_rollback:
    # a read connection in autocommit mode has nothing to roll back.
    return create_async_engine(url, echo=echo, pool_recycle=1800, skip_autocommit_rollback=True, **pool)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class ReadOnlySession(Session):
    """A session whose statements each run on their own (autocommit), so it refuses to write:
    a write there would not be one transaction."""


def _refuse_write() -> None:
    raise RuntimeError("a read-only session (a GET request's) cannot write; writes belong to POST, PUT, PATCH or DELETE")


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flush(*_: Any) -> None:
    _refuse_write()


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _refuse_write()


def make_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for GET and HEAD requests. Without BEGIN and COMMIT a simple read makes one round
    trip instead of three (a one-row list: ~13 % more requests a second, PostgreSQL's CPU per
    request halved). Under READ COMMITTED every statement took its own snapshot inside a
    transaction too, so what a read sees is unchanged."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False, autoflush=False, sync_session_class=ReadOnlySession
    )


READ_METHODS = frozenset({"GET", "HEAD"})


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per writing request: committed when the handler returns, rolled back on
    error. Reads get a read-only session without a transaction."""
    if request.method in READ_METHODS:
        async with request.app.state.read_sessionmaker() as session:
            yield session
        return
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit before the response is sent, so a failed commit is an error response.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


class Tracked:
    """Who made and last changed a record, and its row version: every UPDATE checks and bumps
    it (optimistic locking), and it is the record's ETag."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    if TYPE_CHECKING:
        # Declared as on DeclarativeBase: the mapped class this mixin becomes part of has a table.
        __table__: ClassVar[FromClause]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.row_version}


async def lock_for_rule(session: AsyncSession, key: str) -> None:
    """Serialises, until the transaction ends, the requests that check a rule counting rows
    (a cap) for the same `key`, so two at once cannot both pass it. PostgreSQL takes a
    transaction-scoped advisory lock; on SQLite every writing transaction already holds the
    database's write lock from its first statement (BEGIN IMMEDIATE, see create_engine)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})

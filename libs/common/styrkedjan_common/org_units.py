"""The directory's org units, as every service holds them: a replica fed by the gateway's feed.

The gateway publishes each change of an org unit as the unit's whole new state at a position of an
ordered feed (`GET /api/directory/v1/org-units/changes?after=<position>&limit=<n>`, read with the
service's own assertion). A service keeps the units in a table of its own database and in memory:
  - at start it loads the table, then asks the feed for what came after its position;
  - it asks again every `directory_sync_interval_seconds`, and at once when a request names an id
    it does not know: a request naming an unknown id waits for a lookup that begins after it
    arrived, shared with every request arriving meanwhile, at most one per MIN_LOOKUP_GAP;
  - when the gateway does not answer it keeps serving from what it has, and /readyz says since
    when (stale after three intervals without an answer).
With it a service refuses an org unit that does not exist, is not valid on the object's date, or is
of a type the rule does not allow (422 naming the field), returns names beside ids, and follows a
unit back through its predecessors across reorganisations.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol, TypeVar

import structlog
from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Date, Integer, String, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from styrkedjan_common.clients import ServiceClient
from styrkedjan_common.db import JSONType, UTCDateTime, utcnow
from styrkedjan_common.problems import InvalidInput

log = structlog.get_logger("styrkedjan.org_units")

# Changes asked for per call to the feed.
FEED_PAGE = 500
# The least time between two lookups for unknown ids: a stream of made-up ids does not become a
# stream of calls to the gateway.
MIN_LOOKUP_GAP = 0.5
# The replica is stale when no sync has succeeded for this many intervals.
STALE_AFTER_INTERVALS = 3


class OrgUnitType(StrEnum):
    COUNCIL = "council"
    EXECUTIVE_BOARD = "executive_board"
    BOARD = "board"
    COMPANY = "company"
    FEDERATION = "federation"
    ADMINISTRATION = "administration"
    AREA = "area"
    UNIT = "unit"


# A board (nämnd) in the steering chain: the executive board (kommunstyrelsen) is one too. Frames,
# allocations and forecasts belong to these.
BOARDS = frozenset({OrgUnitType.EXECUTIVE_BOARD, OrgUnitType.BOARD})
# What follows the model at board level with goals, core mission, plans and internal control of its
# own: the boards, and the wholly owned companies and federations (bolagsmål, a company's board).
BOARD_LEVEL = BOARDS | {OrgUnitType.COMPANY, OrgUnitType.FEDERATION}
# Where activities are planned and results measured: an administration and what lies below it.
OPERATIONS = frozenset({OrgUnitType.ADMINISTRATION, OrgUnitType.AREA, OrgUnitType.UNIT})


@dataclass(frozen=True, slots=True)
class OrgUnit:
    id: str
    type: str
    parent_id: str | None
    predecessor_id: str | None
    name: str
    short_name: str
    external_codes: dict[str, str]
    valid_from: dt.date
    valid_to: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def exists_in(self, first_year: int, last_year: int | None = None) -> bool:
        """Whether the unit is valid on some day of the year (or of the years first..last)."""
        return self.valid_from <= dt.date(last_year or first_year, 12, 31) and (
            self.valid_to is None or self.valid_to >= dt.date(first_year, 1, 1)
        )

    @classmethod
    def from_feed(cls, item: dict[str, Any]) -> OrgUnit:
        return cls(
            id=str(uuid.UUID(str(item["id"]))),
            type=str(item["type"]),
            parent_id=str(item["parent_id"]) if item.get("parent_id") else None,
            predecessor_id=str(item["predecessor_id"]) if item.get("predecessor_id") else None,
            name=str(item["name"]),
            short_name=str(item.get("short_name") or ""),
            external_codes=dict(item.get("external_codes") or {}),
            valid_from=dt.date.fromisoformat(str(item["valid_from"])),
            valid_to=dt.date.fromisoformat(str(item["valid_to"])) if item.get("valid_to") else None,
        )


class OrgUnitName(BaseModel):
    """An org unit as a screen shows it beside its id."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    short_name: str
    type: OrgUnitType


# A read model's `X_org_unit` beside its `X_org_unit_id` (filled by OrgUnitReplica.with_names).
UnitName = Annotated[OrgUnitName | None, Field(description="The unit's name beside its id; null when the directory does not know it")]

# A list's filter by org unit widened to the units it succeeded.
IncludePredecessors = Annotated[
    bool,
    Query(description="Also list the objects of the units this org unit succeeded in a reorganisation (they keep their own unit)"),
]

ReadModel = TypeVar("ReadModel", bound=BaseModel)


def _fill_names(value: Any, replica: OrgUnitReplica) -> None:
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        for name in fields:
            inner = getattr(value, name)
            if name.endswith("org_unit_id"):
                beside = name.removesuffix("_id")
                if beside in fields:
                    setattr(value, beside, replica.name_of(inner))
            else:
                _fill_names(inner, replica)
    elif isinstance(value, list | tuple):
        for item in value:
            _fill_names(item, replica)


class OrgUnitReplicaMixin:
    """The replica's table; each service maps it onto its own declarative base."""

    __tablename__ = "org_unit_replica"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[uuid.UUID | None] = mapped_column()
    predecessor_id: Mapped[uuid.UUID | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    external_codes: Mapped[dict[str, str]] = mapped_column(JSONType)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    # The feed position of the change this row holds.
    position: Mapped[int] = mapped_column(Integer)

    if TYPE_CHECKING:

        def __init__(self, **kw: Any) -> None: ...


class DirectorySyncMixin:
    """One row: how far the replica has read the feed, and when it last heard from it."""

    __tablename__ = "directory_sync"
    ROW: ClassVar[int] = 1

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    synced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    if TYPE_CHECKING:

        def __init__(self, **kw: Any) -> None: ...


class DirectorySource(Protocol):
    async def changes(self, after: int, limit: int) -> list[tuple[int, OrgUnit]]:
        """The changes after a position, in order, at most `limit`."""
        ...


class GatewayDirectory(ServiceClient):
    """The gateway's feed, read with the service's own assertion."""

    callee = "directory"
    prefix = "/api/directory/v1"

    async def changes(self, after: int, limit: int) -> list[tuple[int, OrgUnit]]:
        page = await self.get_json("/org-units/changes", {"after": after, "limit": limit})
        return [(int(item["position"]), OrgUnit.from_feed(item["org_unit"])) for item in page["items"]]


def _upsert(session: AsyncSession, model: type[Any], rows: list[dict[str, Any]], keys: list[str]) -> Any:
    # Several processes of one service sync the same table: an insert that meets a row another
    # process just wrote updates it instead of failing, unless that row holds a later change (the
    # other process has read further): a process behind the others never takes the stored units,
    # or the stored position, back to an older state.
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(model).values(rows)
    columns = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=columns, where=model.position <= statement.excluded.position)


class OrgUnitReplica:
    """The org units as this service knows them, kept in step with the directory's feed."""

    def __init__(
        self,
        model: type[OrgUnitReplicaMixin],
        sync_model: type[DirectorySyncMixin],
        source: DirectorySource,
        interval_seconds: float,
    ) -> None:
        self.model = model
        self.sync_model = sync_model
        self.source = source
        self.interval_seconds = interval_seconds
        self.units: dict[str, OrgUnit] = {}
        # (system, code) -> ids of the units carrying it, kept with `units` by _keep.
        self._by_code: dict[tuple[str, str], set[str]] = {}
        self.position = 0
        self.synced_at: dt.datetime | None = None
        self.last_error: str | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None
        self._lock = asyncio.Lock()
        self._last_lookup = 0.0
        self._next_lookup: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        """Load what is stored, catch up with the feed if it answers, and keep syncing."""
        self._sessionmaker = sessionmaker
        try:
            async with sessionmaker() as session:
                # The position first: another process may store changes in between, and the units
                # read after it then hold at least what it says (rows only move forward); read the
                # other way round, the position could count changes whose rows were never loaded.
                stored = await session.get(self.sync_model, DirectorySyncMixin.ROW)
                if stored is not None:
                    self.position, self.synced_at = stored.position, stored.synced_at
                for row in (await session.scalars(select(self.model))).all():
                    self._keep(_unit_of(row))
        except Exception as exc:  # the database away: the service starts, /readyz says it is not ready
            self.last_error = str(exc) or type(exc).__name__
            log.warning("org_unit_replica_not_loaded", error=self.last_error)
        await self.sync()
        self._task = asyncio.create_task(self._keep_syncing(), name="org-unit-replica")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _keep_syncing(self) -> None:
        while True:
            await asyncio.sleep(self.interval_seconds)
            await self.sync()

    async def sync(self) -> bool:
        """Read the feed from the stored position to its end; False when the directory did not answer."""
        async with self._lock:
            try:
                while True:
                    changes = await self.source.changes(self.position, FEED_PAGE)
                    if changes:
                        await self._store(changes)
                    if len(changes) < FEED_PAGE:
                        break
                await self._mark_synced()
            except Exception as exc:  # the directory away, or any failure of ours: serve what we have
                self.last_error = str(exc) or type(exc).__name__
                log.warning("org_unit_sync_failed", error=self.last_error, position=self.position)
                return False
            self.last_error = None
            return True

    async def _store(self, changes: list[tuple[int, OrgUnit]]) -> None:
        latest: dict[str, tuple[int, OrgUnit]] = {}
        for position, unit in changes:
            latest[unit.id] = (position, unit)
        rows = [_row_of(unit, position) for position, unit in latest.values()]
        last = changes[-1][0]
        assert self._sessionmaker is not None
        async with self._sessionmaker() as session, session.begin():
            await session.execute(_upsert(session, self.model, rows, ["id"]))
            await session.execute(
                _upsert(session, self.sync_model, [{"id": DirectorySyncMixin.ROW, "position": last, "synced_at": utcnow()}], ["id"])
            )
        for _, unit in latest.values():
            self._keep(unit)
        self.position = last

    async def _mark_synced(self) -> None:
        self.synced_at = utcnow()
        assert self._sessionmaker is not None
        async with self._sessionmaker() as session, session.begin():
            row = {"id": DirectorySyncMixin.ROW, "position": self.position, "synced_at": self.synced_at}
            await session.execute(_upsert(session, self.sync_model, [row], ["id"]))

    def _keep(self, unit: OrgUnit) -> None:
        """The unit's new state, in `units` and in the index of codes (a recoded unit leaves its old code)."""
        old = self.units.get(unit.id)
        if old is not None:
            for key in old.external_codes.items():
                holders = self._by_code.get(key)
                if holders is not None:
                    holders.discard(unit.id)
                    if not holders:
                        del self._by_code[key]
        self.units[unit.id] = unit
        for key in unit.external_codes.items():
            self._by_code.setdefault(key, set()).add(unit.id)

    # --- reading -----------------------------------------------------------------------------

    async def find(self, unit_id: uuid.UUID | str) -> OrgUnit | None:
        """The unit; one it does not know yet is looked up in the directory first."""
        key = str(unit_id)
        unit = self.units.get(key)
        if unit is None and self._sessionmaker is not None:
            await self._lookup_after_now()
            unit = self.units.get(key)
        return unit

    async def find_all(self, unit_ids: Iterable[uuid.UUID | str | None]) -> None:
        """Brings every unit of a request the replica does not know yet in from the directory, in one
        lookup: a request naming many units never waits for a lookup per unit."""
        if any(unit_id is not None and str(unit_id) not in self.units for unit_id in unit_ids) and self._sessionmaker is not None:
            await self._lookup_after_now()

    async def catch_up(self) -> None:
        """Brings in whatever the directory changed since the last sync, before a request that names
        units by code (an import's lines): a code is not an id the replica could tell it lacks."""
        if self._sessionmaker is not None:
            await self._lookup_after_now()

    async def _lookup_after_now(self) -> None:
        """Wait for a lookup that begins after this call: a unit created a moment ago is found,
        and a stream of made-up ids costs the directory one call per MIN_LOOKUP_GAP at most."""
        if self._next_lookup is None:
            delay = max(0.0, self._last_lookup + MIN_LOOKUP_GAP - time.monotonic())
            self._next_lookup = asyncio.ensure_future(self._scheduled_lookup(delay))
        await asyncio.shield(self._next_lookup)

    async def _scheduled_lookup(self, delay: float) -> None:
        await asyncio.sleep(delay)
        # From here on a new request waits for the next lookup: this one may miss what it names.
        self._next_lookup = None
        self._last_lookup = time.monotonic()
        await self._look_up()

    async def _look_up(self) -> None:
        """Read the feed after the stored position into memory only. The request that names an
        unknown id may already hold its database's write lock (on SQLite the whole database's, from
        its first statement), and storing the changes from inside it would wait for that lock until
        the request gave up. The next sync reads the same changes again and stores them."""
        async with self._lock:
            after = self.position
            try:
                while True:
                    changes = await self.source.changes(after, FEED_PAGE)
                    for position, unit in changes:
                        self._keep(unit)
                        after = position
                    if len(changes) < FEED_PAGE:
                        break
            except Exception as exc:  # the directory away: the id stays unknown
                self.last_error = str(exc) or type(exc).__name__
                log.warning("org_unit_lookup_failed", error=self.last_error, position=self.position)
                return
            self.last_error = None

    async def require(
        self,
        unit_id: uuid.UUID | str,
        *,
        pointer: str,
        on: dt.date | None = None,
        types: Collection[str] | None = None,
        what: str = "the org unit",
        years: tuple[int, int] | None = None,
    ) -> OrgUnit:
        """The unit named by a client at `pointer` (e.g. "#/board_org_unit_id"), or a 422 that says
        what is wrong with it: unknown, not valid on the object's date, not in existence during the
        object's years (first, last), or of a type not allowed."""
        unit = await self.find(unit_id)
        if unit is None:
            problem = f"{what} {unit_id} is not in the directory"
        elif on is not None and not unit.valid_on(on):
            closed = f"closed on {unit.valid_to}" if unit.valid_to and unit.valid_to < on else f"valid from {unit.valid_from}"
            problem = f"{what} {unit.name} is not valid on {on} ({closed})"
        elif years is not None and not unit.exists_in(*years):
            span = str(years[0]) if years[0] == years[1] else f"{years[0]}–{years[1]}"
            problem = f"{what} {unit.name} is not valid in {span} (valid {unit.valid_from} to {unit.valid_to or 'further notice'})"
        elif types is not None and unit.type not in types:
            allowed = ", ".join(sorted(str(t) for t in types))
            problem = f"{what} must be of type {allowed}; {unit.name} is {unit.type}"
        else:
            return unit
        raise InvalidInput(problem, errors=[{"pointer": pointer, "detail": problem}])

    def by_code(self, system: str, code: str, on: dt.date | None = None) -> OrgUnit | None:
        """The unit carrying `code` under `system` in its external codes (e.g. "stratsys", "BUN"), from
        memory: an import looks up each of its lines here. Exact match. When several units carry the
        code (one closed in a reorganisation and its successor), one valid on `on` (today when not
        given), and of several the one that started last."""
        holders = [self.units[unit_id] for unit_id in self._by_code.get((system, code), ())]
        if len(holders) <= 1:
            return holders[0] if holders else None
        day = on or dt.date.today()
        valid = [unit for unit in holders if unit.valid_on(day)]
        return max(valid or holders, key=lambda unit: (unit.valid_from, unit.id))

    def name_of(self, unit_id: uuid.UUID | str | None) -> OrgUnitName | None:
        """The unit's name and short name for a read model; None for an id the replica lacks."""
        unit = self.units.get(str(unit_id)) if unit_id is not None else None
        if unit is None:
            return None
        return OrgUnitName(id=uuid.UUID(unit.id), name=unit.name, short_name=unit.short_name, type=OrgUnitType(unit.type))

    def unit_filter(self, unit_id: uuid.UUID | None, include_predecessors: bool) -> list[uuid.UUID] | None:
        """The org units a list filtered by `unit_id` covers; None lists every unit. An unknown id is
        not refused: it simply lists nothing."""
        if unit_id is None:
            return None
        return self.with_predecessors([unit_id]) if include_predecessors else [unit_id]

    def with_names(self, read: ReadModel) -> ReadModel:
        """Fills each `X_org_unit` field beside an `X_org_unit_id` with the unit's name, at every depth
        (a page's items, a summary's boards, a run's frames). From memory: no query per unit."""
        _fill_names(read, self)
        return read

    def with_predecessors(self, unit_ids: Iterable[uuid.UUID | str]) -> list[uuid.UUID]:
        """The units and every unit they succeeded, transitively (a reorganisation's history)."""
        seen: dict[str, None] = {}
        for unit_id in unit_ids:
            key: str | None = str(unit_id)
            while key is not None and key not in seen:
                seen[key] = None
                unit = self.units.get(key)
                key = unit.predecessor_id if unit else None
        return [uuid.UUID(key) for key in seen]

    def status(self) -> dict[str, Any]:
        """For /readyz: how far the replica has read and how old that is."""
        age = None if self.synced_at is None else (utcnow() - self.synced_at).total_seconds()
        return {
            "units": len(self.units),
            "position": self.position,
            "synced_at": self.synced_at.isoformat() if self.synced_at else None,
            "seconds_since_sync": None if age is None else round(age, 1),
            "stale": age is None or age > STALE_AFTER_INTERVALS * self.interval_seconds,
            "last_error": self.last_error,
        }


def _unit_of(row: OrgUnitReplicaMixin) -> OrgUnit:
    return OrgUnit(
        id=str(row.id),
        type=row.type,
        parent_id=str(row.parent_id) if row.parent_id else None,
        predecessor_id=str(row.predecessor_id) if row.predecessor_id else None,
        name=row.name,
        short_name=row.short_name,
        external_codes=dict(row.external_codes or {}),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


def _row_of(unit: OrgUnit, position: int) -> dict[str, Any]:
    return {
        "id": uuid.UUID(unit.id),
        "type": unit.type,
        "parent_id": uuid.UUID(unit.parent_id) if unit.parent_id else None,
        "predecessor_id": uuid.UUID(unit.predecessor_id) if unit.predecessor_id else None,
        "name": unit.name,
        "short_name": unit.short_name,
        "external_codes": unit.external_codes,
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
        "position": position,
    }


def replica_models_beside(model: Any) -> tuple[type[OrgUnitReplicaMixin], type[DirectorySyncMixin]] | None:
    """The replica's two tables in the same metadata (the same database) as `model`, an app's
    audit events: every service's db.py maps them beside it (a probe app in a test may not)."""
    found: dict[type[Any], type[Any]] = {}
    for mapper in model.registry.mappers:
        for mixin in (OrgUnitReplicaMixin, DirectorySyncMixin):
            if issubclass(mapper.class_, mixin) and mapper.local_table.metadata is model.metadata:
                found[mixin] = mapper.class_
    if len(found) < 2:
        return None
    return found[OrgUnitReplicaMixin], found[DirectorySyncMixin]


class _NoDirectory:
    async def changes(self, after: int, limit: int) -> list[tuple[int, OrgUnit]]:
        raise RuntimeError("the service has no key of its own (service_private_key), so it cannot read the directory")


NO_DIRECTORY: DirectorySource = _NoDirectory()


def org_units(request: Request) -> OrgUnitReplica:
    replica: OrgUnitReplica = request.app.state.org_units
    return replica


OrgUnitsDep = Annotated[OrgUnitReplica, Depends(org_units)]

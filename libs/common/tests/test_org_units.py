"""The org-unit replica against a directory feed and a real database: loaded at start, an id
registered later found on its first use, a 422 naming the field for a unit that is unknown, closed
or of the wrong type, the stored units served while the directory is away (and after a restart),
predecessors followed across reorganisations, several processes syncing one table, and a feed
longer than a page. On both databases."""

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from styrkedjan_common import org_units, testing
from styrkedjan_common.db import Base, create_engine, make_metadata, make_sessionmaker
from styrkedjan_common.org_units import (
    BOARDS,
    FEED_PAGE,
    DirectorySyncMixin,
    OrgUnit,
    OrgUnitName,
    OrgUnitReplica,
    OrgUnitReplicaMixin,
    OrgUnitType,
)
from styrkedjan_common.problems import InvalidInput


class ProbeBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class ProbeOrgUnit(OrgUnitReplicaMixin, ProbeBase):
    pass


class ProbeSync(DirectorySyncMixin, ProbeBase):
    pass


class Directory:
    """The gateway's feed as a test controls it: up or down, counting its calls."""

    def __init__(self, organisation: "testing.TestOrganisation | None" = None, up_to: int | None = None) -> None:
        self.organisation = organisation or testing.TestOrganisation()
        self.down = False
        self.calls = 0
        # A process that reads the feed as it stood earlier: no change after this position.
        self.up_to = up_to

    def add(self, type_: OrgUnitType, name: str | None = None, **fields) -> str:
        return self.organisation.add(type_, name, **fields)

    async def changes(self, after: int, limit: int) -> list[tuple[int, OrgUnit]]:
        self.calls += 1
        await asyncio.sleep(0)  # another replica's sync may run in between, as over the network
        if self.down:
            raise ConnectionRefusedError("the directory is unavailable")
        changes = await self.organisation.changes(after, limit)
        return [(position, unit) for position, unit in changes if self.up_to is None or position <= self.up_to]


@pytest.fixture
async def sessionmaker(database_url):
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(ProbeBase.metadata.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def directory():
    return Directory()


@pytest.fixture
async def started(sessionmaker, directory):
    """Start replicas on the probe database; each is stopped at the end."""
    replicas: list[OrgUnitReplica] = []

    async def start(interval_seconds: float = 60.0, source: Directory | None = None) -> OrgUnitReplica:
        replica = OrgUnitReplica(ProbeOrgUnit, ProbeSync, source or directory, interval_seconds)
        replicas.append(replica)
        await replica.start(sessionmaker)
        return replica

    yield start
    for replica in replicas:
        await replica.stop()


async def stored_rows(sessionmaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(ProbeOrgUnit)) or 0


def refusal(error: pytest.ExceptionInfo[InvalidInput]) -> tuple[int, list[str], str]:
    return error.value.status, [e["pointer"] for e in error.value.errors or []], error.value.detail


async def test_the_units_are_loaded_at_start_and_stored(directory, started, sessionmaker):
    council = directory.add(OrgUnitType.COUNCIL, "Kommunfullmäktige")
    board = directory.add(OrgUnitType.BOARD, "Barn- och utbildningsnämnden", parent=council, short_name="BUN")
    replica = await started()
    assert set(replica.units) == {council, board}
    assert replica.units[board].parent_id == council
    assert replica.name_of(board) == OrgUnitName(id=uuid.UUID(board), name="Barn- och utbildningsnämnden", short_name="BUN", type="board")
    assert replica.name_of(str(uuid.uuid4())) is None
    assert await stored_rows(sessionmaker) == 2
    status = replica.status()
    assert (status["units"], status["position"], status["stale"], status["last_error"]) == (2, 2, False, None)


async def test_a_unit_registered_after_start_is_found_on_its_first_use(directory, started):
    replica = await started()
    board = directory.add(OrgUnitType.BOARD, "Socialnämnden")
    unit = await replica.find(board)
    assert unit is not None and unit.name == "Socialnämnden"


async def test_require_looks_up_a_unit_registered_after_start(directory, started):
    replica = await started()
    board = directory.add(OrgUnitType.BOARD, "Kultur- och fritidsnämnden")
    unit = await replica.require(uuid.UUID(board), pointer="#/board_org_unit_id", on=dt.date(2027, 1, 1), types=BOARDS)
    assert unit.id == board


async def test_made_up_ids_do_not_become_a_stream_of_calls_to_the_directory(directory, started):
    replica = await started()
    calls = directory.calls
    # Requests arriving together share one lookup; the next wave waits for the next one.
    for wave in (1, 2):
        found = await asyncio.gather(*(replica.find(uuid.uuid4()) for _ in range(20)))
        assert found == [None] * 20
        assert directory.calls - calls == wave


async def test_a_request_naming_many_unknown_units_waits_for_one_lookup(directory, started):
    replica = await started()
    board = directory.add(OrgUnitType.BOARD, "Överförmyndarnämnden")
    calls = directory.calls
    await replica.find_all([board, *(uuid.uuid4() for _ in range(50)), None])
    assert directory.calls - calls == 1
    assert replica.units[board].name == "Överförmyndarnämnden"


async def test_a_unit_made_just_after_a_lookup_is_found_on_its_first_use(directory, started):
    replica = await started()
    assert await replica.find(uuid.uuid4()) is None
    board = directory.add(OrgUnitType.BOARD, "Kultur- och fritidsnämnden")
    unit = await replica.find(board)
    assert unit is not None and unit.name == "Kultur- och fritidsnämnden"


async def test_an_unknown_unit_is_a_422_naming_the_field(directory, started):
    replica = await started()
    unknown = uuid.uuid4()
    with pytest.raises(InvalidInput) as refused:
        await replica.require(unknown, pointer="#/board_org_unit_id", what="the board")
    assert refusal(refused) == (422, ["#/board_org_unit_id"], f"the board {unknown} is not in the directory")


async def test_a_unit_not_valid_on_the_objects_date_is_a_422_naming_the_field(directory, started):
    closed = directory.add(OrgUnitType.BOARD, "Tekniska nämnden", valid_to=dt.date(2026, 12, 31))
    later = directory.add(OrgUnitType.BOARD, "Samhällsbyggnadsnämnden", valid_from=dt.date(2027, 1, 1))
    replica = await started()
    with pytest.raises(InvalidInput) as refused:
        await replica.require(closed, pointer="#/board_org_unit_id", on=dt.date(2027, 3, 1), what="the board")
    assert refusal(refused) == (
        422,
        ["#/board_org_unit_id"],
        "the board Tekniska nämnden is not valid on 2027-03-01 (closed on 2026-12-31)",
    )
    with pytest.raises(InvalidInput) as refused:
        await replica.require(later, pointer="#/items/0/org_unit_id", on=dt.date(2026, 6, 1))
    assert refusal(refused) == (
        422,
        ["#/items/0/org_unit_id"],
        "the org unit Samhällsbyggnadsnämnden is not valid on 2026-06-01 (valid from 2027-01-01)",
    )
    assert (await replica.require(closed, pointer="#/board_org_unit_id", on=dt.date(2026, 12, 31))).id == closed


async def test_a_unit_of_a_type_the_rule_does_not_allow_is_a_422_naming_the_field(directory, started):
    school = directory.add(OrgUnitType.UNIT, "Kolbäcksskolan")
    replica = await started()
    with pytest.raises(InvalidInput) as refused:
        await replica.require(school, pointer="#/board_org_unit_id", types=BOARDS, what="the board")
    assert refusal(refused) == (
        422,
        ["#/board_org_unit_id"],
        "the board must be of type board, executive_board; Kolbäcksskolan is unit",
    )


async def test_a_closing_is_read_from_the_feed(directory, started):
    board = directory.add(OrgUnitType.BOARD, "Miljönämnden")
    replica = await started()
    directory.organisation.change(board, valid_to=dt.date(2026, 12, 31))
    assert await replica.sync()
    assert replica.units[board].valid_to == dt.date(2026, 12, 31)
    with pytest.raises(InvalidInput):
        await replica.require(board, pointer="#/board_org_unit_id", on=dt.date(2027, 1, 1))


async def test_while_the_directory_is_away_the_units_are_served_and_the_replica_turns_stale(directory, started):
    board = directory.add(OrgUnitType.BOARD, "Socialnämnden")
    replica = await started(interval_seconds=0.05)
    directory.down = True
    await asyncio.sleep(0.05 * (org_units.STALE_AFTER_INTERVALS + 2))
    status = replica.status()
    assert (status["stale"], status["last_error"], status["units"]) == (True, "the directory is unavailable", 1)
    assert (await replica.find(board)) is not None
    assert (await replica.require(board, pointer="#/board_org_unit_id", types=BOARDS)).name == "Socialnämnden"
    directory.down = False
    assert await replica.sync()
    status = replica.status()
    assert (status["stale"], status["last_error"]) == (False, None)


async def test_a_restart_while_the_directory_is_away_serves_the_stored_units(directory, started, sessionmaker):
    board = directory.add(OrgUnitType.BOARD, "Barn- och utbildningsnämnden")
    first = await started()
    await first.stop()
    directory.down = True
    restarted = await started()
    assert restarted is not first
    assert (await restarted.require(board, pointer="#/board_org_unit_id")).name == "Barn- och utbildningsnämnden"
    status = restarted.status()
    assert (status["units"], status["position"], status["last_error"]) == (1, 1, "the directory is unavailable")
    assert status["synced_at"] is not None  # when it last heard from the directory, before the restart
    # Back again, it reads on from where it stopped instead of from the start.
    directory.down = False
    later = directory.add(OrgUnitType.BOARD, "Socialnämnden")
    calls = directory.calls
    assert await restarted.sync()
    assert (restarted.position, later in restarted.units, directory.calls - calls) == (2, True, 1)


async def test_predecessors_are_followed_across_two_reorganisations(directory, started):
    # 2019: the technical board; 2023 it became the community building board; 2027 the
    # community building board and the environment board merged into one.
    technical = directory.add(OrgUnitType.BOARD, "Tekniska nämnden", valid_to=dt.date(2022, 12, 31))
    building = directory.add(OrgUnitType.BOARD, "Samhällsbyggnadsnämnden", predecessor=technical, valid_to=dt.date(2026, 12, 31))
    merged = directory.add(OrgUnitType.BOARD, "Bygg- och miljönämnden", predecessor=building, valid_from=dt.date(2027, 1, 1))
    other = directory.add(OrgUnitType.BOARD, "Socialnämnden")
    replica = await started()
    assert replica.with_predecessors([merged]) == [uuid.UUID(merged), uuid.UUID(building), uuid.UUID(technical)]
    assert replica.with_predecessors([building, other]) == [uuid.UUID(building), uuid.UUID(technical), uuid.UUID(other)]
    assert replica.with_predecessors([uuid.UUID(merged), technical]) == [uuid.UUID(merged), uuid.UUID(building), uuid.UUID(technical)]
    stranger = uuid.uuid4()
    assert replica.with_predecessors([stranger]) == [stranger]


async def test_two_replicas_syncing_one_table_at_once_do_not_fail(directory, started, sessionmaker):
    for number in range(30):
        directory.add(OrgUnitType.UNIT, f"Enhet {number}")
    first, second = await asyncio.gather(started(), started())
    for number in range(30, 60):
        directory.add(OrgUnitType.UNIT, f"Enhet {number}")
    assert await asyncio.gather(first.sync(), second.sync()) == [True, True]
    assert (first.last_error, second.last_error) == (None, None)
    assert len(first.units) == len(second.units) == await stored_rows(sessionmaker) == 60
    async with sessionmaker() as session:
        assert (await session.get(ProbeSync, DirectorySyncMixin.ROW)).position == 60  # type: ignore[union-attr]


async def test_a_process_behind_the_others_never_takes_the_stored_units_back_to_an_older_state(directory, started):
    board = directory.add(OrgUnitType.BOARD, "Tekniska nämnden")
    directory.organisation.change(board, valid_to=dt.date(2026, 12, 31))
    # Another process of the service, started while the directory was away, hears from it late and
    # reads the feed as it stood before the closing, after this process has stored the closing.
    behind = Directory(directory.organisation, up_to=1)
    behind.down = True
    late = await started(source=behind)
    await started()
    behind.down = False
    assert await late.sync()
    assert late.units[board].valid_to is None
    # A restart while the directory is away serves what is stored: the board closed, as the feed says.
    directory.down = True
    restarted = await started()
    assert (restarted.units[board].valid_to, restarted.position) == (dt.date(2026, 12, 31), 2)


async def test_a_feed_longer_than_a_page_is_read_to_its_end(directory, started, sessionmaker):
    count = 2 * FEED_PAGE + 1
    for number in range(count):
        directory.add(OrgUnitType.UNIT, f"Enhet {number}")
    replica = await started()
    assert (len(replica.units), replica.position, directory.calls) == (count, count, 3)
    assert await stored_rows(sessionmaker) == count
    # A page that ends exactly at the feed's end is followed by one more (empty) call.
    for number in range(FEED_PAGE):
        directory.add(OrgUnitType.UNIT, f"Ny enhet {number}")
    calls = directory.calls
    assert await replica.sync()
    assert (len(replica.units), directory.calls - calls) == (count + FEED_PAGE, 2)


async def test_a_unit_is_found_by_its_code_in_another_system_from_memory(directory, started, sessionmaker):
    council = directory.add(OrgUnitType.COUNCIL, "Kommunfullmäktige", external_codes={"stratsys": "KF"})
    board = directory.add(OrgUnitType.BOARD, "Barn- och utbildningsnämnden", parent=council, external_codes={"stratsys": "BUN", "eko": "3"})
    replica = await started()
    calls = directory.calls
    assert replica.by_code("stratsys", "BUN").id == board
    assert replica.by_code("eko", "3").id == board
    assert replica.by_code("stratsys", "KF").id == council
    # Exact: another system's key, another case or an unknown code finds nothing, and asks no one.
    assert [replica.by_code(*key) for key in (("eko", "BUN"), ("stratsys", "bun"), ("stratsys", "NOPE"), ("Stratsys", "BUN"))] == [None] * 4
    assert directory.calls == calls
    # A restarted replica finds it in what it stored, with the directory away.
    directory.down = True
    restarted = await started()
    assert restarted.by_code("stratsys", "BUN").id == board


async def test_a_recoded_unit_is_found_by_its_new_code_only(directory, started):
    board = directory.add(OrgUnitType.BOARD, "Socialnämnden", external_codes={"stratsys": "SN"})
    replica = await started()
    directory.organisation.change(board, external_codes={"stratsys": "SOC"})
    assert await replica.sync()
    assert replica.by_code("stratsys", "SN") is None
    assert replica.by_code("stratsys", "SOC").id == board


async def test_a_code_passed_on_in_a_reorganisation_finds_the_unit_valid_on_the_day(directory, started):
    old = directory.add(
        OrgUnitType.BOARD,
        "Tekniska nämnden",
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2026, 12, 31),
        external_codes={"stratsys": "TN"},
    )
    new = directory.add(
        OrgUnitType.BOARD, "Samhällsbyggnadsnämnden", predecessor=old, valid_from=dt.date(2027, 1, 1), external_codes={"stratsys": "TN"}
    )
    replica = await started()
    assert replica.by_code("stratsys", "TN", on=dt.date(2026, 6, 1)).id == old
    assert replica.by_code("stratsys", "TN", on=dt.date(2027, 6, 1)).id == new
    assert replica.by_code("stratsys", "TN", on=dt.date(2019, 6, 1)).id == new  # valid on neither: the later one

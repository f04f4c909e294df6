"""The directory's feed of org-unit changes, from which the services keep their replicas: each write
of a unit appears once, in order, with the unit's whole state after it; only the services read it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.__main__ import MIGRATIONS
from gateway.directory import feed
from gateway.directory.models import OrgUnit
from gateway.seed import ORGANISATION, seed_demo
from styrkedjan_common.db import create_engine, make_sessionmaker
from styrkedjan_common.migrations import downgrade, upgrade
from styrkedjan_common.testing import at_once, fresh_database, service_headers

DIRECTORY = "/api/directory/v1"
UNITS = f"{DIRECTORY}/org-units"
CHANGES = f"{UNITS}/changes"
STATE_FIELDS = {"id", "type", "parent_id", "predecessor_id", "name", "short_name", "external_codes", "valid_from", "valid_to"}


@pytest.fixture
def admin(as_user):
    return as_user("admin.demo")


@pytest.fixture
def followup():
    return service_headers("followup", "directory")


def count_units(node=ORGANISATION):
    return 1 + sum(count_units(child) for child in node.children)


async def read_feed(client, headers, after=0, limit=1000):
    response = await client.get(CHANGES, params={"after": after, "limit": limit}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def last_position(client, headers):
    return (await read_feed(client, headers))["last_position"]


def state_of(read):
    """What the feed holds of a unit as the directory's API returns it."""
    return {name: read[name] for name in STATE_FIELDS}


async def patch(client, admin, unit, changes):
    read = await client.get(f"{UNITS}/{unit}", headers=admin)
    response = await client.patch(f"{UNITS}/{unit}", json=changes, headers=admin | {"If-Match": read.headers["etag"]})
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_demo_unit_is_in_the_feed_once(client, followup):
    page = await read_feed(client, followup)
    ids = [item["org_unit"]["id"] for item in page["items"]]
    assert len(ids) == len(set(ids)) == count_units()
    assert [item["position"] for item in page["items"]] == list(range(1, len(ids) + 1))
    assert page["last_position"] == len(ids)


async def test_seeding_again_adds_nothing_to_the_feed(gateway, client, followup):
    before = await read_feed(client, followup)
    async with gateway.api.state.sessionmaker() as session:
        await seed_demo(session)
        await session.commit()
    assert await read_feed(client, followup) == before


async def test_create_rename_and_close_are_three_changes_in_order_with_the_whole_state(client, admin, followup, unit_id):
    start = await last_position(client, followup)
    created = await client.post(
        UNITS,
        json={
            "type": "unit",
            "parent_id": unit_id("BUF"),
            "predecessor_id": unit_id("PARK"),
            "name": "Västerskolan",
            "short_name": "VÄST",
            "external_codes": {"stratsys": "E-VÄST"},
            "valid_from": "2026-01-01",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    unit = created.json()["id"]
    renamed = await patch(client, admin, unit, {"name": "Västra skolan"})
    closed = await patch(client, admin, unit, {"valid_to": "2026-12-31"})

    page = await read_feed(client, followup, after=start)
    assert [item["position"] for item in page["items"]] == [start + 1, start + 2, start + 3]
    assert page["last_position"] == start + 3
    assert [item["org_unit"] for item in page["items"]] == [state_of(created.json()), state_of(renamed), state_of(closed)]
    assert page["items"][0]["org_unit"] == {
        "id": unit,
        "type": "unit",
        "parent_id": unit_id("BUF"),
        "predecessor_id": unit_id("PARK"),
        "name": "Västerskolan",
        "short_name": "VÄST",
        "external_codes": {"stratsys": "E-VÄST"},
        "valid_from": "2026-01-01",
        "valid_to": None,
    }
    assert page["items"][2]["org_unit"]["valid_to"] == "2026-12-31"
    times = [dt.datetime.fromisoformat(item["changed_at"]) for item in page["items"]]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)


async def test_a_refused_write_adds_nothing_to_the_feed(client, admin, followup, unit_id):
    before = await read_feed(client, followup)
    refused = await client.post(
        UNITS,
        json={"type": "unit", "parent_id": unit_id("BUN"), "name": "Fel", "short_name": "FEL", "valid_from": "2026-01-01"},
        headers=admin,
    )
    assert refused.status_code == 409, refused.text
    read = await client.get(f"{UNITS}/{unit_id('BUF')}", headers=admin)
    closing = await client.patch(
        f"{UNITS}/{unit_id('BUF')}", json={"valid_to": "2026-06-30"}, headers=admin | {"If-Match": read.headers["etag"]}
    )
    assert closing.status_code == 409, closing.text  # units under it stay open
    assert await read_feed(client, followup) == before


async def test_after_pages_through_the_feed(client, followup):
    total = count_units()
    first = await read_feed(client, followup, after=0, limit=2)
    assert [item["position"] for item in first["items"]] == [1, 2] and first["last_position"] == 2
    second = await read_feed(client, followup, after=first["last_position"], limit=2)
    assert [item["position"] for item in second["items"]] == [3, 4]
    rest = await read_feed(client, followup, after=second["last_position"])
    assert [item["position"] for item in rest["items"]] == list(range(5, total + 1))
    empty = await read_feed(client, followup, after=total + 7)
    assert empty == {"items": [], "last_position": total + 7}  # nothing new: ask after the same position again


async def test_the_default_page_is_500(client, followup):
    response = await client.get(CHANGES, headers=followup)
    assert response.status_code == 200
    assert len(response.json()["items"]) == count_units()


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "many"])
async def test_a_limit_outside_1_to_1000_is_a_422_naming_it(client, followup, problem, limit):
    problem(await client.get(CHANGES, params={"limit": limit}, headers=followup), 422, "#/query/limit")


@pytest.mark.parametrize("after", ["-1", "x", str(2**31), str(2**63), "1.5"])
async def test_a_bad_after_is_a_422_naming_it(client, followup, problem, after):
    problem(await client.get(CHANGES, params={"after": after}, headers=followup), 422, "#/query/after")


async def test_the_largest_after_is_answered(client, followup):
    assert await read_feed(client, followup, after=2**31 - 1) == {"items": [], "last_position": 2**31 - 1}


@pytest.mark.parametrize("subject", ["admin.demo", "kf.demo", "enhet.demo"])
async def test_a_person_even_an_admin_is_refused_the_feed(client, as_user, problem, subject):
    body = problem(await client.get(CHANGES, headers=as_user(subject)), 403)
    assert body["detail"] == "this operation is for other services only"


async def test_the_feed_needs_an_identity(client, problem):
    problem(await client.get(CHANGES), 401)


@pytest.mark.parametrize("caller", ["goals", "budget", "followup", "internal-control"])
async def test_each_service_with_a_replica_reads_the_feed(client, caller):
    page = await read_feed(client, service_headers(caller, "directory"))
    assert len(page["items"]) == count_units()


async def test_the_feed_is_declared_for_the_services_only(gateway):
    operation = gateway.api.openapi()["paths"][CHANGES]["get"]
    assert operation["x-roles"] == []
    assert operation["x-services"] == ["budget", "followup", "goals", "internal-control"]


async def test_concurrent_creates_take_gapless_positions_each_with_its_own_state(client, admin, followup, unit_id):
    start = await last_position(client, followup)
    names = [f"Enhet {n:02d}" for n in range(12)]

    def create(name):
        body = {"type": "unit", "parent_id": unit_id("BUF"), "name": name, "short_name": name[-2:], "valid_from": "2026-01-01"}
        return lambda: client.post(UNITS, json=body, headers=admin)

    responses = await at_once(*(create(name) for name in names))
    assert [r.status_code for r in responses] == [201] * len(names), [r.text for r in responses]
    created = {r.json()["id"]: state_of(r.json()) for r in responses}

    page = await read_feed(client, followup, after=start)
    assert [item["position"] for item in page["items"]] == list(range(start + 1, start + len(names) + 1))
    assert {item["org_unit"]["id"]: item["org_unit"] for item in page["items"]} == created


async def test_concurrent_renames_reach_the_feed_in_commit_order(client, admin, followup, unit_id):
    """Each change holds the state after its own write: the last change of a unit is its state now."""
    start = await last_position(client, followup)
    units = [unit_id(short) for short in ("PARK", "KOLB", "LIND", "NYCK", "SOLR")]
    reads = {unit: await client.get(f"{UNITS}/{unit}", headers=admin) for unit in units}

    def rename(unit):
        headers = admin | {"If-Match": reads[unit].headers["etag"]}
        return lambda: client.patch(f"{UNITS}/{unit}", json={"short_name": f"N{unit[:4]}"}, headers=headers)

    responses = await at_once(*(rename(unit) for unit in units))
    assert [r.status_code for r in responses] == [200] * len(units)
    page = await read_feed(client, followup, after=start)
    assert [item["position"] for item in page["items"]] == list(range(start + 1, start + len(units) + 1))
    for unit in units:
        now = (await client.get(f"{UNITS}/{unit}", headers=admin)).json()
        assert [item["org_unit"] for item in page["items"] if item["org_unit"]["id"] == unit] == [state_of(now)]


# The migration that brought the feed enters every unit that existed before it


UNITS_BEFORE_THE_FEED = [
    # id, type, parent, predecessor, name, short name, external codes (JSON), valid from, valid to, created at
    ("00000000-0000-4000-8000-000000000001", "council", None, None, "Kommunfullmäktige", "KF", '{"stratsys": "KF"}', "2020-01-01", None),
    (
        "00000000-0000-4000-8000-000000000003",
        "board",
        "00000000-0000-4000-8000-000000000001",
        None,
        "Gamla nämnden",
        "GN",
        "{}",
        "2020-01-01",
        "2022-12-31",
    ),
    (
        "00000000-0000-4000-8000-000000000002",
        "board",
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-000000000003",
        "Nya nämnden",
        "NN",
        '{"ekonomisystem": "7"}',
        "2023-01-01",
        None,
    ),
]


async def _insert_units(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            for n, (unit, type_, parent, predecessor, name, short, codes, start, end) in enumerate(UNITS_BEFORE_THE_FEED):
                await connection.execute(
                    text(
                        "INSERT INTO org_unit (id, type, parent_id, predecessor_id, name, short_name, external_codes, valid_from, valid_to,"
                        " created_at, updated_at, row_version) VALUES (:id, :type, :parent, :predecessor, :name, :short, :codes, :start,"
                        " :end, :created, :created, 1)"
                    ),
                    {
                        "id": _stored_id(url, unit),
                        "type": type_,
                        "parent": _stored_id(url, parent),
                        "predecessor": _stored_id(url, predecessor),
                        "name": name,
                        "short": short,
                        "codes": codes,
                        "start": dt.date.fromisoformat(start),
                        "end": dt.date.fromisoformat(end) if end else None,
                        # Made in this order: the backfill keeps it.
                        "created": dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n),
                    },
                )
    finally:
        await engine.dispose()


def _stored_id(url: str, value: str | None) -> uuid.UUID | str | None:
    """A UUID as each backend stores it: PostgreSQL's uuid type, SQLite's 32 hex digits (SQLAlchemy's Uuid)."""
    if value is None:
        return None
    return uuid.UUID(value) if url.startswith("postgresql") else uuid.UUID(value).hex


async def _feed_rows(url: str) -> list[tuple[int, str, dict]]:
    engine = create_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = await feed.changes_after(session, 0, 1000)
            return [(item.position, str(item.org_unit.id), item.org_unit.model_dump(mode="json")) for item in rows.items]
    finally:
        await engine.dispose()


def _expected_states() -> list[dict]:
    import json

    return [
        {
            "id": unit,
            "type": type_,
            "parent_id": parent,
            "predecessor_id": predecessor,
            "name": name,
            "short_name": short,
            "external_codes": json.loads(codes),
            "valid_from": start,
            "valid_to": end,
        }
        for unit, type_, parent, predecessor, name, short, codes, start, end in UNITS_BEFORE_THE_FEED
    ]


async def _publish_a_new_unit(url: str) -> None:
    engine = create_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            unit = OrgUnit(
                type="board",
                parent_id=uuid.UUID(UNITS_BEFORE_THE_FEED[0][0]),
                name="Tredje nämnden",
                short_name="TN",
                external_codes={},
                valid_from=dt.date(2024, 1, 1),
            )
            session.add(unit)
            await feed.publish(session, unit)
            await session.commit()
    finally:
        await engine.dispose()


def test_the_migration_enters_each_existing_unit_into_the_feed_once_and_can_be_undone():
    with fresh_database("gateway_feed_backfill") as url:
        upgrade(MIGRATIONS, url, "0002")
        asyncio.run(_insert_units(url))
        upgrade(MIGRATIONS, url)
        rows = asyncio.run(_feed_rows(url))
        assert [(position, state) for position, _, state in rows] == list(enumerate(_expected_states(), start=1))

        downgrade(MIGRATIONS, url, "0002")
        upgrade(MIGRATIONS, url)
        assert asyncio.run(_feed_rows(url)) == rows  # down and up again: still each unit once

        # The directory's next write continues after the units the migration entered.
        asyncio.run(_publish_a_new_unit(url))
        after = asyncio.run(_feed_rows(url))
        assert [position for position, _, _ in after] == [1, 2, 3, 4]
        assert after[-1][2]["name"] == "Tredje nämnden"

"""The organisation: one council at the root, a fixed hierarchy, closing instead of deleting."""

import base64
import uuid

import pytest

from gateway.seed import ORGANISATION

DIRECTORY = "/api/directory/v1"
UNITS = f"{DIRECTORY}/org-units"
ADMIN = "admin.demo"


@pytest.fixture
def admin(as_user):
    return as_user(ADMIN)


@pytest.fixture
def new_unit(unit_id):
    """A valid body for a unit of this type under the demo unit with this short name."""

    def body(type_, parent_short, name="Ny enhet", **fields):
        return {"type": type_, "parent_id": unit_id(parent_short), "name": name, "short_name": "NY", "valid_from": "2025-01-01"} | fields

    return body


def demo_short_names(node=ORGANISATION):
    yield node.short
    for child in node.children:
        yield from demo_short_names(child)


async def all_units(client, headers, **params):
    response = await client.get(UNITS, params={"limit": 200, **params}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return response.json()["items"]


async def create(client, admin, body):
    response = await client.post(UNITS, json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


async def patch(client, admin, unit, changes):
    """PATCH with the ETag just read, as a well-behaved client does."""
    read = await client.get(f"{UNITS}/{unit}", headers=admin)
    return await client.patch(f"{UNITS}/{unit}", json=changes, headers=admin | {"If-Match": read.headers["etag"]})


# Listing


async def test_every_role_sees_the_whole_organisation(client, as_user):
    units = await all_units(client, as_user("enhet.demo"))
    assert sorted(u["short_name"] for u in units) == sorted(demo_short_names())


async def test_units_are_listed_by_name(client, as_user):
    names = [u["name"] for u in await all_units(client, as_user("enhet.demo"), type="board")]
    assert (
        sorted(names)
        == names
        == [
            "Barn- och utbildningsnämnden",
            "Bygg- och miljönämnden",
            "Kultur- och fritidsnämnden",
            "Socialnämnden",
        ]
    )


async def test_units_can_be_filtered_by_parent_and_name(client, admin, unit_id):
    areas = await all_units(client, admin, parent_id=unit_id("BUF"))
    assert {u["short_name"] for u in areas} == {"FSK", "GRS", "GYV"}
    schools = await all_units(client, admin, q="skolan")
    assert {u["short_name"] for u in schools} == {"PARK", "KOLB", "LIND", "FRED"}


async def test_the_name_search_takes_the_text_literally(client, admin, new_unit):
    await create(client, admin, new_unit("unit", "FSK", name="Förskola_100% ute"))
    for q in ("_", "100%", "a_1"):
        assert [u["name"] for u in await all_units(client, admin, q=q)] == ["Förskola_100% ute"], q


async def test_the_name_search_ignores_the_case_of_swedish_letters(client, admin):
    assert [u["name"] for u in await all_units(client, admin, q="äldreomsorg")] == ["Äldreomsorg"]


async def test_pages_walk_every_unit_once(client, admin):
    everything = {u["id"] for u in await all_units(client, admin)}
    seen, cursor, pages = [], None, 0
    while True:
        response = await client.get(UNITS, params={"limit": 7} | ({"cursor": cursor} if cursor else {}), headers=admin)
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) <= 7
        seen += [u["id"] for u in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 6
    assert len(seen) == len(set(seen)) == len(everything)
    assert set(seen) == everything


async def test_every_demo_unit_is_found_by_its_stratsys_code_its_short_name(client, as_user):
    for short in ("KF", "KS", "BUN", "BUF", "SN", "ÄO"):
        [unit] = await all_units(client, as_user("enhet.demo"), external_code=f"stratsys:{short}")
        assert (unit["short_name"], unit["external_codes"]) == (short, {"stratsys": short})


async def test_a_unit_is_found_by_a_code_exactly_under_its_system(client, admin, new_unit):
    suffix = uuid.uuid4().hex[:8]
    codes = {"stratsys": f"N-Å:{suffix}", "ekonomi system": f"3{suffix}"}
    made = await create(client, admin, new_unit("unit", "BUF", name="Kodad enhet", external_codes=codes))
    for wanted in (f"stratsys:N-Å:{suffix}", f"ekonomi system:3{suffix}"):  # the code is all after the first colon
        assert [u["id"] for u in await all_units(client, admin, external_code=wanted)] == [made["id"]], wanted
    for other in (
        f"stratsys:n-å:{suffix}",
        "stratsys:N-Å",
        f"ekonomi system:N-Å:{suffix}",
        f"Stratsys:N-Å:{suffix}",
        f"stratsys: N-Å:{suffix}",
    ):
        assert await all_units(client, admin, external_code=other) == [], other
    # With the other filters, as one more condition.
    assert [u["id"] for u in await all_units(client, admin, external_code=f"stratsys:N-Å:{suffix}", type="unit", q="Kodad")] == [made["id"]]
    assert await all_units(client, admin, external_code=f"stratsys:N-Å:{suffix}", type="board") == []


@pytest.mark.parametrize("value", ["BUN", ":BUN", "stratsys:", ":", "", " :BUN", "stratsys: ", "s" * 51 + ":BUN", "stratsys:" + "B" * 101])
async def test_a_malformed_external_code_is_a_422_naming_the_parameter(client, admin, problem, value):
    problem(await client.get(UNITS, params={"external_code": value}, headers=admin), 422, "#/query/external_code")


async def test_units_sharing_a_name_are_not_lost_between_pages(client, admin, new_unit):
    twins = {(await create(client, admin, new_unit("unit", "BUF", name="Aaa tvilling")))["id"] for _ in range(3)}
    seen, cursor = [], None
    for _ in range(3):
        params = {"limit": 1, "q": "Aaa tvilling"} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(UNITS, params=params, headers=admin)).json()
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(twins)


def encoded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        encoded(b"[1, 2]"),
        encoded(b'{"name": "Kansliet"}'),
        encoded(b'{"name": "Kansliet", "id": "not-a-uuid"}'),
        encoded(b"\xff\xfe"),
    ],
    ids=["garbage", "not-an-object", "missing-id", "bad-id", "not-json"],
)
async def test_a_tampered_cursor_is_a_validation_failure(client, admin, problem, cursor):
    problem(await client.get(UNITS, params={"cursor": cursor}, headers=admin), 422, "#/query/cursor")


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"limit": 0}, "#/query/limit"),
        ({"limit": 201}, "#/query/limit"),
        ({"type": "galaxy"}, "#/query/type"),
        ({"parent_id": "BUN"}, "#/query/parent_id"),
        ({"valid_on": "yesterday"}, "#/query/valid_on"),
    ],
)
async def test_bad_list_parameters_are_validation_failures(client, admin, problem, params, pointer):
    problem(await client.get(UNITS, params=params, headers=admin), 422, pointer)


# Reading one


async def test_a_unit_is_read_with_its_etag(client, as_user, unit_id):
    response = await client.get(f"{UNITS}/{unit_id('BUN')}", headers=as_user("enhet.demo"))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Barn- och utbildningsnämnden"
    assert body["type"] == "board"
    assert body["parent_id"] == unit_id("KF")
    assert body["external_codes"] == {"stratsys": "BUN"}
    assert response.headers["etag"] == f'"{body["id"]}.1"'


async def test_an_unknown_unit_is_not_found(client, admin, problem):
    problem(await client.get(f"{UNITS}/{uuid.uuid4()}", headers=admin), 404)


async def test_a_unit_id_must_be_a_uuid(client, admin, problem):
    problem(await client.get(f"{UNITS}/BUN", headers=admin), 422, "#/path/unit_id")


# Creating


async def test_admin_creates_a_unit(client, admin, new_unit, unit_id):
    response = await client.post(
        UNITS, json=new_unit("unit", "FSK", name="Humlans förskola", external_codes={"kolada": "V15E"}), headers=admin
    )
    assert response.status_code == 201
    body = response.json()
    assert body["parent_id"] == unit_id("FSK")
    assert body["external_codes"] == {"kolada": "V15E"}
    assert body["row_version"] == 1
    assert response.headers["location"] == f"{UNITS}/{body['id']}"
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert (await client.get(response.headers["location"], headers=admin)).json() == body


async def test_a_second_council_is_refused(client, admin, problem):
    council = {"type": "council", "name": "Ett andra fullmäktige", "short_name": "KF2", "valid_from": "2025-01-01"}
    body = problem(await client.post(UNITS, json=council, headers=admin), 409)
    assert "council already exists" in body["detail"]


async def test_a_council_has_no_parent(client, admin, new_unit, problem):
    problem(await client.post(UNITS, json=new_unit("council", "KF"), headers=admin), 422, "#/parent_id")


async def test_every_unit_but_the_council_needs_a_parent(client, admin, new_unit, problem):
    problem(await client.post(UNITS, json=new_unit("board", "KF") | {"parent_id": None}, headers=admin), 422, "#/parent_id")


async def test_the_parent_must_exist(client, admin, new_unit, problem):
    problem(await client.post(UNITS, json=new_unit("board", "KF") | {"parent_id": str(uuid.uuid4())}, headers=admin), 422, "#/parent_id")


async def test_the_predecessor_must_exist(client, admin, new_unit, problem):
    body = new_unit("unit", "FSK", predecessor_id=str(uuid.uuid4()))
    problem(await client.post(UNITS, json=body, headers=admin), 422, "#/predecessor_id")


@pytest.mark.parametrize(
    ("type_", "parent"),
    [
        ("unit", "KF"),
        ("area", "BUN"),
        ("administration", "BUF"),
        ("board", "BUN"),
        ("administration", "KF"),
        ("company", "KS"),
        ("unit", "KS"),
    ],
    ids=lambda value: value,
)
async def test_units_out_of_hierarchy_are_refused(client, admin, new_unit, problem, type_, parent):
    body = problem(await client.post(UNITS, json=new_unit(type_, parent), headers=admin), 409)
    assert "organisation hierarchy" in body["detail"]


@pytest.mark.parametrize(
    ("type_", "parent"),
    [
        ("board", "KF"),
        ("company", "KF"),
        ("federation", "KF"),
        ("administration", "BUN"),
        ("administration", "HHEM"),
        ("area", "FSK"),
        ("unit", "PARK"),
    ],
    ids=lambda value: value,
)
async def test_units_in_hierarchy_are_accepted(client, admin, new_unit, type_, parent):
    await create(client, admin, new_unit(type_, parent))


async def test_a_unit_cannot_start_after_its_parent_closed(client, admin, new_unit, problem):
    area = await create(client, admin, new_unit("area", "BUF", valid_to="2024-12-31", valid_from="2023-01-01"))
    body = new_unit("unit", "BUF") | {"parent_id": area["id"], "valid_from": "2025-01-01"}
    problem(await client.post(UNITS, json=body, headers=admin), 409)


@pytest.mark.parametrize(
    ("changes", "pointers"),
    [
        ({"type": "galaxy"}, ["#/type"]),
        ({"name": ""}, ["#/name"]),
        ({"short_name": "x" * 41}, ["#/short_name"]),
        ({"valid_from": "2025-13-01"}, ["#/valid_from"]),
        ({"external_codes": {"stratsys": 5}}, ["#/external_codes/stratsys"]),
        ({"valid_to": "2024-12-31"}, ["#"]),  # before valid_from
    ],
    ids=["type", "name", "short_name", "valid_from", "external_codes", "valid_to"],
)
async def test_an_invalid_unit_is_refused_with_pointers(client, admin, new_unit, problem, changes, pointers):
    problem(await client.post(UNITS, json=new_unit("unit", "FSK") | changes, headers=admin), 422, *pointers)


async def test_a_unit_without_required_fields_lists_every_missing_field(client, admin, problem):
    problem(await client.post(UNITS, json={}, headers=admin), 422, "#/type", "#/name", "#/short_name", "#/valid_from")


# Updating and closing


async def test_a_unit_is_renamed_with_its_etag(client, admin, unit_id):
    response = await patch(client, admin, unit_id("KANS"), {"name": "Kommunkansliet", "external_codes": {"stratsys": "N-KANS"}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Kommunkansliet" and body["short_name"] == "KANS"
    assert body["external_codes"] == {"stratsys": "N-KANS"}
    assert body["row_version"] == 2
    assert response.headers["etag"] == f'"{body["id"]}.2"'


async def test_an_update_without_if_match_is_refused(client, admin, unit_id, problem):
    problem(await client.patch(f"{UNITS}/{unit_id('KANS')}", json={"name": "Kommunkansliet"}, headers=admin), 428)


async def test_an_update_from_a_stale_copy_is_refused(client, admin, unit_id, problem):
    path = f"{UNITS}/{unit_id('KANS')}"
    stale = (await client.get(path, headers=admin)).headers["etag"]
    assert (await patch(client, admin, unit_id("KANS"), {"name": "Kommunkansliet"})).status_code == 200
    problem(await client.patch(path, json={"name": "Kanslienheten"}, headers=admin | {"If-Match": stale}), 412)
    assert (await client.get(path, headers=admin)).json()["name"] == "Kommunkansliet"


async def test_updating_an_unknown_unit_is_not_found(client, admin, problem):
    problem(await client.patch(f"{UNITS}/{uuid.uuid4()}", json={"name": "X"}, headers=admin | {"If-Match": "*"}), 404)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"name": ""}, "#/name"),
        ({"name": None}, "#/name"),
        ({"valid_from": None}, "#/valid_from"),
        ({"valid_to": "2022-01-01"}, "#/valid_to"),
    ],
    ids=["empty-name", "null-name", "null-valid_from", "valid_to-before-valid_from"],
)
async def test_an_invalid_update_is_refused_with_a_pointer(client, admin, unit_id, problem, changes, pointer):
    problem(await patch(client, admin, unit_id("KANS"), changes), 422, pointer)


async def test_a_unit_with_open_units_under_it_cannot_close(client, admin, unit_id, problem):
    body = problem(await patch(client, admin, unit_id("BUF"), {"valid_to": "2025-12-31"}), 409)
    assert "units under it" in body["detail"]


async def test_a_closed_unit_stays_listed_but_not_as_valid_after_it_closed(client, admin, unit_id):
    response = await patch(client, admin, unit_id("PARK"), {"valid_to": "2025-06-30"})
    assert response.status_code == 200 and response.json()["valid_to"] == "2025-06-30"
    assert unit_id("PARK") in {u["id"] for u in await all_units(client, admin)}
    assert unit_id("PARK") in {u["id"] for u in await all_units(client, admin, valid_on="2025-06-30")}
    assert unit_id("PARK") not in {u["id"] for u in await all_units(client, admin, valid_on="2025-07-01")}


async def test_a_unit_closes_once_every_unit_under_it_has_closed(client, admin, unit_id):
    for school in ("PARK", "KOLB", "LIND"):
        assert (await patch(client, admin, unit_id(school), {"valid_to": "2025-06-30"})).status_code == 200
    assert (await patch(client, admin, unit_id("GRS"), {"valid_to": "2025-06-30"})).status_code == 200


async def test_a_successor_records_its_predecessor(client, admin, new_unit, unit_id):
    assert (await patch(client, admin, unit_id("FRED"), {"valid_to": "2025-06-30"})).status_code == 200
    successor = await create(
        client, admin, new_unit("unit", "GYV", name="Nya Fredriksbergsskolan", predecessor_id=unit_id("FRED"), valid_from="2025-07-01")
    )
    assert successor["predecessor_id"] == unit_id("FRED")

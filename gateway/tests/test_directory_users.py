"""Users: registered by subject, edited with If-Match, deactivated rather than deleted."""

import uuid

import pytest

DIRECTORY = "/api/directory/v1"
USERS = f"{DIRECTORY}/users"


@pytest.fixture
def admin(as_user):
    return as_user("admin.demo")


async def patch(client, admin, user, changes):
    read = await client.get(f"{USERS}/{user}", headers=admin)
    return await client.patch(f"{USERS}/{user}", json=changes, headers=admin | {"If-Match": read.headers["etag"]})


async def test_admin_lists_the_users_by_name(client, admin):
    response = await client.get(USERS, headers=admin)
    assert response.status_code == 200
    names = [u["display_name"] for u in response.json()["items"]]
    assert len(names) == 6 and names == sorted(names)


async def test_users_are_found_by_part_of_name_email_or_subject(client, admin):
    for q in ("Rut Revisor", "revisor.demo@", "revisor.d"):
        items = (await client.get(USERS, params={"q": q}, headers=admin)).json()["items"]
        assert [u["subject"] for u in items] == ["revisor.demo"], q


async def test_the_user_search_takes_the_text_literally(client, admin):
    created = await client.post(USERS, json={"subject": "anna_b", "display_name": "Anna B"}, headers=admin)
    assert created.status_code == 201
    items = (await client.get(USERS, params={"q": "_"}, headers=admin)).json()["items"]
    assert [u["subject"] for u in items] == ["anna_b"]


async def test_pages_walk_every_user_once(client, admin):
    seen, cursor = [], None
    while True:
        page = (await client.get(USERS, params={"limit": 4} | ({"cursor": cursor} if cursor else {}), headers=admin)).json()
        seen += [u["subject"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == ["admin.demo", "enhet.demo", "forvaltning.demo", "kf.demo", "namnd.demo", "revisor.demo"]


@pytest.mark.parametrize(
    ("params", "pointer"), [({"limit": 0}, "#/query/limit"), ({"cursor": "%%%"}, "#/query/cursor"), ({"q": "x" * 101}, "#/query/q")]
)
async def test_bad_list_parameters_are_validation_failures(client, admin, problem, params, pointer):
    problem(await client.get(USERS, params=params, headers=admin), 422, pointer)


async def test_a_user_is_read_with_its_etag(client, admin, user_id):
    response = await client.get(f"{USERS}/{user_id('kf.demo')}", headers=admin)
    assert response.status_code == 200
    assert response.json() == {
        "id": user_id("kf.demo"),
        "subject": "kf.demo",
        "email": "kf.demo@example.se",
        "display_name": "Karin Fullmäktige (demo)",
        "active": True,
        "row_version": 1,
    }
    assert response.headers["etag"] == f'"{user_id("kf.demo")}.1"'


async def test_an_unknown_user_is_not_found(client, admin, problem):
    problem(await client.get(f"{USERS}/{uuid.uuid4()}", headers=admin), 404)


async def test_a_user_id_must_be_a_uuid(client, admin, problem):
    problem(await client.get(f"{USERS}/kf.demo", headers=admin), 422, "#/path/user_id")


async def test_admin_registers_a_user(client, admin):
    response = await client.post(
        USERS, json={"subject": "ab12cd", "email": "anna.andersson@example.se", "display_name": "Anna Andersson"}, headers=admin
    )
    assert response.status_code == 201
    body = response.json()
    assert body["subject"] == "ab12cd" and body["active"] is True
    assert response.headers["location"] == f"{USERS}/{body['id']}"
    assert (await client.get(response.headers["location"], headers=admin)).json() == body


async def test_a_second_user_with_the_same_subject_is_refused(client, admin, problem):
    body = problem(await client.post(USERS, json={"subject": "kf.demo", "display_name": "Karin igen"}, headers=admin), 409)
    assert "kf.demo" in body["detail"]


@pytest.mark.parametrize(
    ("user", "pointers"),
    [
        ({"subject": "", "display_name": "X"}, ["#/subject"]),
        ({"subject": "x", "display_name": "X", "email": "not-an-address"}, ["#/email"]),
        ({"subject": "x", "display_name": "X", "active": "perhaps"}, ["#/active"]),
        ({}, ["#/subject", "#/display_name"]),
    ],
    ids=["empty-subject", "email", "active", "missing-fields"],
)
async def test_an_invalid_user_is_refused_with_pointers(client, admin, problem, user, pointers):
    problem(await client.post(USERS, json=user, headers=admin), 422, *pointers)


async def test_a_user_is_renamed_with_its_etag(client, admin, user_id):
    response = await patch(client, admin, user_id("kf.demo"), {"display_name": "Karin Fullmäktig", "email": None})
    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "Karin Fullmäktig" and response.json()["email"] is None
    assert response.headers["etag"] == f'"{user_id("kf.demo")}.2"'


async def test_a_user_update_without_if_match_is_refused(client, admin, user_id, problem):
    problem(await client.patch(f"{USERS}/{user_id('kf.demo')}", json={"display_name": "Karin"}, headers=admin), 428)


async def test_a_user_update_from_a_stale_copy_is_refused(client, admin, user_id, problem):
    stale = (await client.get(f"{USERS}/{user_id('kf.demo')}", headers=admin)).headers["etag"]
    assert (await patch(client, admin, user_id("kf.demo"), {"display_name": "Karin"})).status_code == 200
    problem(await client.patch(f"{USERS}/{user_id('kf.demo')}", json={"display_name": "Kajsa"}, headers=admin | {"If-Match": stale}), 412)


async def test_updating_an_unknown_user_is_not_found(client, admin, problem):
    problem(await client.patch(f"{USERS}/{uuid.uuid4()}", json={"active": False}, headers=admin | {"If-Match": "*"}), 404)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"display_name": None}, "#/display_name"),
        ({"active": None}, "#/active"),
        ({"display_name": ""}, "#/display_name"),
        ({"email": "nope"}, "#/email"),
    ],
    ids=["null-name", "null-active", "empty-name", "email"],
)
async def test_an_invalid_user_update_is_refused_with_a_pointer(client, admin, user_id, problem, changes, pointer):
    problem(await patch(client, admin, user_id("kf.demo"), changes), 422, pointer)


async def test_a_deactivated_user_is_refused_on_their_next_call(client, admin, as_user, user_id, problem):
    karin = as_user("kf.demo")
    assert (await client.get("/api/me", headers=karin)).status_code == 200  # now cached by the gateway
    assert (await patch(client, admin, user_id("kf.demo"), {"active": False})).status_code == 200
    body = problem(await client.get("/api/me", headers=karin), 403)
    assert "deactivated" in body["detail"]


async def test_a_reactivated_user_may_call_again(client, admin, as_user, user_id):
    assert (await patch(client, admin, user_id("kf.demo"), {"active": False})).status_code == 200
    assert (await client.get("/api/me", headers=as_user("kf.demo"))).status_code == 403
    assert (await patch(client, admin, user_id("kf.demo"), {"active": True})).status_code == 200
    assert (await client.get("/api/me", headers=as_user("kf.demo"))).status_code == 200

"""Every directory write leaves an audit event: who, what, when, and the record before and after."""

import pytest

from gateway.seed import stable_id

DIRECTORY = "/api/directory/v1"
EVENTS = f"{DIRECTORY}/audit-events"
ADMIN_NAME = "Adam Admin (demo)"


@pytest.fixture
def admin(as_user):
    return as_user("admin.demo")


@pytest.fixture
def trail(client, admin):
    """The audit events of one entity, newest first."""

    async def events(entity_type, entity_id):
        response = await client.get(EVENTS, params={"entity_type": entity_type, "entity_id": str(entity_id)}, headers=admin)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    return events


@pytest.fixture
def write(client, admin):
    """A write by the admin with a known request id; returns the response body (None for 204)."""

    async def send(method, path, body=None, etag_from=None, request_id="audit-test-1"):
        headers = admin | {"X-Request-ID": request_id}
        if etag_from:
            headers["If-Match"] = (await client.get(etag_from, headers=admin)).headers["etag"]
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code in (200, 201, 204), response.text
        return response.json() if response.content else None

    return send


def assert_by_admin(event, user_id, action, request_id="audit-test-1"):
    assert event["actor_id"] == user_id("admin.demo")
    assert event["actor_name"] == ADMIN_NAME
    assert event["action"] == action
    assert event["request_id"] == request_id
    assert event["occurred_at"].endswith(("Z", "+00:00"))


async def test_creating_a_unit_is_audited(write, trail, user_id, unit_id):
    body = {"type": "unit", "parent_id": unit_id("FSK"), "name": "Humlan", "short_name": "HUML", "valid_from": "2025-01-01"}
    unit = await write("POST", f"{DIRECTORY}/org-units", body)
    [event] = await trail("org_unit", unit["id"])
    assert_by_admin(event, user_id, "CREATE")
    assert event["before"] is None
    assert event["after"] == unit


async def test_updating_a_unit_is_audited_with_before_and_after(write, trail, user_id, unit_id):
    path = f"{DIRECTORY}/org-units/{unit_id('KANS')}"
    await write("PATCH", path, {"name": "Kommunkansliet"}, etag_from=path)
    [event] = await trail("org_unit", unit_id("KANS"))
    assert_by_admin(event, user_id, "UPDATE")
    assert (event["before"]["name"], event["after"]["name"]) == ("Kansliet", "Kommunkansliet")
    assert (event["before"]["row_version"], event["after"]["row_version"]) == (1, 2)


async def test_registering_a_user_is_audited(write, trail, user_id):
    user = await write("POST", f"{DIRECTORY}/users", {"subject": "ny.person", "display_name": "Ny Person"})
    [event] = await trail("user", user["id"])
    assert_by_admin(event, user_id, "CREATE")
    assert event["after"] == user


async def test_deactivating_a_user_is_audited_with_before_and_after(write, trail, user_id):
    path = f"{DIRECTORY}/users/{user_id('kf.demo')}"
    await write("PATCH", path, {"active": False}, etag_from=path)
    [event] = await trail("user", user_id("kf.demo"))
    assert_by_admin(event, user_id, "UPDATE")
    assert (event["before"]["active"], event["after"]["active"]) == (True, False)


async def test_adding_an_assignment_is_audited(write, trail, user_id, unit_id):
    assignment = await write(
        "POST", f"{DIRECTORY}/users/{user_id('kf.demo')}/role-assignments", {"role": "revisor", "org_unit_id": unit_id("KF")}
    )
    [event] = await trail("role_assignment", assignment["id"])
    assert_by_admin(event, user_id, "CREATE")
    assert event["after"] == assignment


async def test_removing_an_assignment_is_audited_with_what_was_removed(write, trail, user_id, unit_id):
    assignment = stable_id("assignment", "enhet.demo", "enhet", "PARK")
    await write("DELETE", f"{DIRECTORY}/role-assignments/{assignment}")
    [event] = await trail("role_assignment", assignment)
    assert_by_admin(event, user_id, "DELETE")
    assert event["before"] == {
        "id": str(assignment),
        "user_id": user_id("enhet.demo"),
        "role": "enhet",
        "org_unit_id": unit_id("PARK"),
        "valid_from": None,
        "valid_to": None,
    }
    assert event["after"] is None


async def test_a_refused_write_leaves_no_event(client, admin, trail):
    council = {"type": "council", "name": "Ett andra fullmäktige", "short_name": "KF2", "valid_from": "2025-01-01"}
    assert (await client.post(f"{DIRECTORY}/org-units", json=council, headers=admin)).status_code == 409
    assert (await client.get(EVENTS, headers=admin)).json()["items"] == []


async def test_the_revisor_reads_the_trail_newest_first_page_by_page(client, write, as_user, unit_id):
    for n in range(5):
        path = f"{DIRECTORY}/org-units/{unit_id('KANS')}"
        await write("PATCH", path, {"name": f"Kansliet {n}"}, etag_from=path, request_id=f"edit-{n}")
    revisor = as_user("revisor.demo")
    seen, cursor = [], None
    while True:
        response = await client.get(EVENTS, params={"limit": 2} | ({"cursor": cursor} if cursor else {}), headers=revisor)
        assert response.status_code == 200
        seen += [event["request_id"] for event in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"edit-{n}" for n in reversed(range(5))]


@pytest.mark.parametrize(
    ("params", "pointer"), [({"limit": 0}, "#/query/limit"), ({"cursor": "eyJhdCI6IDF9"}, "#/query/cursor")], ids=["limit", "cursor"]
)
async def test_bad_trail_parameters_are_validation_failures(client, admin, problem, params, pointer):
    problem(await client.get(EVENTS, params=params, headers=admin), 422, pointer)


async def test_the_revisor_sees_no_event_of_users_or_role_assignments(client, write, as_user, user_id, unit_id):
    """Users and their roles are read by the administrator only, and so is their trail."""
    path = f"{DIRECTORY}/users/{user_id('kf.demo')}"
    await write("PATCH", path, {"display_name": "Karin Hemlig"}, etag_from=path)
    await write("POST", f"{DIRECTORY}/users/{user_id('kf.demo')}/role-assignments", {"role": "revisor", "org_unit_id": unit_id("KF")})
    unit = f"{DIRECTORY}/org-units/{unit_id('KANS')}"
    await write("PATCH", unit, {"name": "Kommunkansliet"}, etag_from=unit)
    revisor = as_user("revisor.demo")
    response = await client.get(EVENTS, headers=revisor)
    assert response.status_code == 200
    assert [e["entity_type"] for e in response.json()["items"]] == ["org_unit"]
    assert "Hemlig" not in response.text
    for entity_type in ("user", "role_assignment"):
        assert (await client.get(EVENTS, params={"entity_type": entity_type}, headers=revisor)).json()["items"] == []
    assert (await client.get(EVENTS, params={"entity_id": user_id("kf.demo")}, headers=revisor)).json()["items"] == []
    admin = (await client.get(EVENTS, headers=as_user("admin.demo"))).json()["items"]
    assert sorted(e["entity_type"] for e in admin) == ["org_unit", "role_assignment", "user"]

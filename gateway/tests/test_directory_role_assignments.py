"""Role assignments: (role, org unit) per user, in effect within their dates, felt on the very next call."""

import datetime as dt
import uuid

import pytest

from gateway.directory.models import OrgUnit, RoleAssignment
from gateway.directory.service import MAX_ASSIGNMENTS_PER_USER
from gateway.seed import stable_id

DIRECTORY = "/api/directory/v1"
ENHET_ASSIGNMENT = stable_id("assignment", "enhet.demo", "enhet", "PARK")


@pytest.fixture
def admin(as_user):
    return as_user("admin.demo")


def assignments_of(user):
    return f"{DIRECTORY}/users/{user}/role-assignments"


async def roles_of(client, as_user, subject):
    response = await client.get("/api/me", headers=as_user(subject))
    assert response.status_code == 200, response.text
    return response.json()["roles"]


async def test_admin_lists_a_users_assignments(client, admin, user_id, unit_id):
    response = await client.get(assignments_of(user_id("enhet.demo")), headers=admin)
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": str(ENHET_ASSIGNMENT),
            "user_id": user_id("enhet.demo"),
            "role": "enhet",
            "org_unit_id": unit_id("PARK"),
            "valid_from": None,
            "valid_to": None,
        }
    ]


async def test_assignments_of_an_unknown_user_are_not_found(client, admin, problem):
    problem(await client.get(assignments_of(uuid.uuid4()), headers=admin), 404)


async def test_assignments_of_a_malformed_user_id_are_a_validation_failure(client, admin, problem):
    problem(await client.get(assignments_of("enhet.demo"), headers=admin), 422, "#/path/user_id")


async def test_a_new_assignment_takes_effect_on_the_next_call(client, admin, as_user, user_id, unit_id):
    assert await roles_of(client, as_user, "enhet.demo") == ["enhet"]  # cached by the gateway from here on
    response = await client.post(
        assignments_of(user_id("enhet.demo")), json={"role": "revisor", "org_unit_id": unit_id("KF")}, headers=admin
    )
    assert response.status_code == 201
    assert response.json()["role"] == "revisor" and response.json()["user_id"] == user_id("enhet.demo")
    assert await roles_of(client, as_user, "enhet.demo") == ["enhet", "revisor"]
    assert (await client.get(f"{DIRECTORY}/audit-events", headers=as_user("enhet.demo"))).status_code == 200


async def test_a_removed_assignment_stops_working_on_the_next_call(client, admin, as_user, problem):
    assert (await client.get(f"{DIRECTORY}/org-units", headers=as_user("enhet.demo"))).status_code == 200
    response = await client.delete(f"{DIRECTORY}/role-assignments/{ENHET_ASSIGNMENT}", headers=admin)
    assert response.status_code == 204 and response.content == b""
    problem(await client.get(f"{DIRECTORY}/org-units", headers=as_user("enhet.demo")), 403)


async def test_removing_an_unknown_assignment_is_not_found(client, admin, problem):
    problem(await client.delete(f"{DIRECTORY}/role-assignments/{uuid.uuid4()}", headers=admin), 404)


async def test_removing_a_malformed_assignment_id_is_a_validation_failure(client, admin, problem):
    problem(await client.delete(f"{DIRECTORY}/role-assignments/42", headers=admin), 422, "#/path/assignment_id")


async def test_the_same_role_twice_at_the_same_unit_is_refused(client, admin, user_id, unit_id, problem):
    problem(
        await client.post(assignments_of(user_id("enhet.demo")), json={"role": "enhet", "org_unit_id": unit_id("PARK")}, headers=admin), 409
    )


async def test_the_same_role_at_another_unit_is_accepted(client, admin, as_user, user_id, unit_id):
    response = await client.post(
        assignments_of(user_id("enhet.demo")), json={"role": "enhet", "org_unit_id": unit_id("KOLB")}, headers=admin
    )
    assert response.status_code == 201
    me = (await client.get("/api/me", headers=as_user("enhet.demo"))).json()
    assert sorted(a["org_unit_id"] for a in me["assignments"]) == sorted([unit_id("PARK"), unit_id("KOLB")])


async def test_assigning_to_an_unknown_user_is_not_found(client, admin, unit_id, problem):
    problem(await client.post(assignments_of(uuid.uuid4()), json={"role": "enhet", "org_unit_id": unit_id("PARK")}, headers=admin), 404)


@pytest.mark.parametrize(
    ("assignment", "pointers"),
    [
        ({"role": "mayor", "org_unit_id": "PARK"}, ["#/role"]),
        ({"role": "enhet", "org_unit_id": "PARK"}, ["#/org_unit_id"]),
        ({"role": "enhet", "org_unit_id": str(uuid.uuid4())}, ["#/org_unit_id"]),  # no such unit
        ({"role": "enhet", "org_unit_id": str(stable_id("org", "PARK")), "valid_from": "2026-01-01", "valid_to": "2025-01-01"}, ["#"]),
        ({}, ["#/role", "#/org_unit_id"]),
    ],
    ids=["role", "malformed-unit", "unknown-unit", "dates-reversed", "missing-fields"],
)
async def test_an_invalid_assignment_is_refused_with_pointers(client, admin, user_id, problem, assignment, pointers):
    problem(await client.post(assignments_of(user_id("kf.demo")), json=assignment, headers=admin), 422, *pointers)


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [(dt.date.today() + dt.timedelta(days=1), None), (None, dt.date.today() - dt.timedelta(days=1))],
    ids=["not-yet-started", "already-ended"],
)
async def test_an_assignment_outside_its_dates_is_not_in_effect(client, admin, as_user, user_id, unit_id, valid_from, valid_to):
    dates = {"valid_from": valid_from and valid_from.isoformat(), "valid_to": valid_to and valid_to.isoformat()}
    response = await client.post(
        assignments_of(user_id("enhet.demo")), json={"role": "revisor", "org_unit_id": unit_id("KF")} | dates, headers=admin
    )
    assert response.status_code == 201
    assert await roles_of(client, as_user, "enhet.demo") == ["enhet"]
    listed = (await client.get(assignments_of(user_id("enhet.demo")), headers=admin)).json()
    assert {a["role"] for a in listed} == {"enhet", "revisor"}  # the directory still shows it


async def test_an_assignment_is_in_effect_on_its_first_and_last_day(client, admin, as_user, user_id, unit_id):
    today = dt.date.today().isoformat()
    body = {"role": "revisor", "org_unit_id": unit_id("KF"), "valid_from": today, "valid_to": today}
    assert (await client.post(assignments_of(user_id("enhet.demo")), json=body, headers=admin)).status_code == 201
    assert await roles_of(client, as_user, "enhet.demo") == ["enhet", "revisor"]


async def test_a_user_holds_at_most_a_bounded_number_of_assignments(client, gateway, admin, user_id, problem):
    user = user_id("enhet.demo")
    units = [
        OrgUnit(type="unit", parent_id=None, name=f"Enhet {n}", short_name=f"E{n}", valid_from=dt.date(2020, 1, 1))
        for n in range(MAX_ASSIGNMENTS_PER_USER)
    ]
    async with gateway.api.state.sessionmaker() as session:
        session.add_all(units)
        await session.flush()
        # The demo user already holds one assignment.
        session.add_all(RoleAssignment(user_id=uuid.UUID(user), role="enhet", org_unit_id=unit.id) for unit in units[1:])
        await session.commit()
    refused = await client.post(assignments_of(user), json={"role": "enhet", "org_unit_id": str(units[0].id)}, headers=admin)
    problem(refused, 409)
    assert f"at most {MAX_ASSIGNMENTS_PER_USER} role assignments" in refused.json()["detail"]
    assert len((await client.get(assignments_of(user), headers=admin)).json()) == MAX_ASSIGNMENTS_PER_USER

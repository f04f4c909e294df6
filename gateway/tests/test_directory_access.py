"""Who may call each directory operation: a token always, and a role the operation's policy names."""

import pytest

from gateway.seed import stable_id

DIRECTORY = "/api/directory/v1"
BUN = stable_id("org", "BUN")
KF_USER = stable_id("user", "kf.demo")
KF_ASSIGNMENT = stable_id("assignment", "kf.demo", "fullmaktige", "KF")
NEW_UNIT = {"type": "administration", "parent_id": str(BUN), "name": "Ny förvaltning", "short_name": "NY", "valid_from": "2025-01-01"}

SIGNED_IN = [  # every role may call these
    ("GET", "/api/me", None),
    ("GET", f"{DIRECTORY}/org-units", None),
    ("GET", f"{DIRECTORY}/org-units/{BUN}", None),
]
ADMIN_ONLY = [
    ("POST", f"{DIRECTORY}/org-units", NEW_UNIT),
    ("PATCH", f"{DIRECTORY}/org-units/{BUN}", {"name": "Omdöpt"}),
    ("GET", f"{DIRECTORY}/users", None),
    ("GET", f"{DIRECTORY}/users/{KF_USER}", None),
    ("POST", f"{DIRECTORY}/users", {"subject": "ny.person", "display_name": "Ny Person"}),
    ("PATCH", f"{DIRECTORY}/users/{KF_USER}", {"active": False}),
    ("GET", f"{DIRECTORY}/users/{KF_USER}/role-assignments", None),
    ("POST", f"{DIRECTORY}/users/{KF_USER}/role-assignments", {"role": "admin", "org_unit_id": str(BUN)}),
    ("DELETE", f"{DIRECTORY}/role-assignments/{KF_ASSIGNMENT}", None),
]
AUDIT = [("GET", f"{DIRECTORY}/audit-events", None)]
EVERY_OPERATION = SIGNED_IN + ADMIN_ONLY + AUDIT


def call_id(operation):
    method, path, _ = operation
    for value, name in ((DIRECTORY, ""), (str(BUN), "{unit}"), (str(KF_USER), "{user}"), (str(KF_ASSIGNMENT), "{assignment}")):
        path = path.replace(value, name)
    return f"{method} {path}"


async def call(client, operation, headers):
    method, path, body = operation
    return await client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("operation", EVERY_OPERATION, ids=call_id)
async def test_every_operation_refuses_a_call_without_a_token(client, problem, operation):
    body = problem(await call(client, operation, {}), 401)
    assert body["type"] == "urn:styrkedjan:problem:unauthenticated"


@pytest.mark.parametrize("operation", ADMIN_ONLY, ids=call_id)
@pytest.mark.parametrize("subject", ["kf.demo", "namnd.demo", "forvaltning.demo", "enhet.demo", "revisor.demo"])
async def test_admin_operations_refuse_every_other_role(client, as_user, problem, operation, subject):
    problem(await call(client, operation, as_user(subject)), 403)


@pytest.mark.parametrize("operation", AUDIT, ids=call_id)
@pytest.mark.parametrize("subject", ["kf.demo", "namnd.demo", "forvaltning.demo", "enhet.demo"])
async def test_the_audit_trail_is_closed_to_roles_other_than_revisor_and_admin(client, as_user, problem, operation, subject):
    problem(await call(client, operation, as_user(subject)), 403)


@pytest.mark.parametrize("operation", SIGNED_IN, ids=call_id)
@pytest.mark.parametrize("subject", ["kf.demo", "namnd.demo", "forvaltning.demo", "enhet.demo", "revisor.demo", "admin.demo"])
async def test_signed_in_operations_are_open_to_every_role(client, as_user, operation, subject):
    response = await call(client, operation, as_user(subject))
    assert response.status_code == 200, response.text


# /api/me alone answers such a user (test_me.py).
@pytest.mark.parametrize("operation", [o for o in SIGNED_IN + AUDIT if o[1] != "/api/me"], ids=call_id)
async def test_a_registered_user_without_any_role_is_refused(client, as_user, add_user, problem, operation):
    await add_user("no.roles")
    problem(await call(client, operation, as_user("no.roles")), 403)


async def test_a_valid_token_for_a_subject_not_in_the_directory_is_refused(client, as_user, problem):
    body = problem(await client.get("/api/me", headers=as_user("stranger")), 403)
    assert body["type"] == "urn:styrkedjan:problem:unknown-user"


async def test_a_refused_write_changes_nothing(client, as_user, problem):
    problem(await client.post(f"{DIRECTORY}/org-units", json=NEW_UNIT, headers=as_user("kf.demo")), 403)
    admin = as_user("admin.demo")
    units = (await client.get(f"{DIRECTORY}/org-units", params={"q": "Ny förvaltning"}, headers=admin)).json()["items"]
    events = (await client.get(f"{DIRECTORY}/audit-events", headers=admin)).json()["items"]
    assert units == [] and events == []


async def test_the_role_policy_is_checked_before_the_body_is_validated(client, as_user, problem):
    """A caller without the role learns nothing about what the operation expects."""
    problem(await client.post(f"{DIRECTORY}/org-units", json={"type": "galaxy"}, headers=as_user("kf.demo")), 403)

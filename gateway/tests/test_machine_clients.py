"""Machine clients: an integration signs in with an OIDC client-credentials token (Entra ID app,
Keycloak service account) as a directory principal of kind `client`, matched on the client claim,
and acts through its role assignments exactly like a person; admins manage clients."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gateway.auth.tokens import DEV_AUDIENCE, DevIssuer
from styrkedjan_common.identity import HEADER, AssertionVerifier, PrincipalKind, public_key_pem

DIRECTORY = "/api/directory/v1"
CLIENTS = f"{DIRECTORY}/clients"
USERS = f"{DIRECTORY}/users"
DEV_TOKEN = "/api/auth/dev-token"
ISSUER = "https://login.example.se/realms/kommun"
AUDIENCE = "api://styrkedjan"
ECONOMY = "ekonomisystemet"  # the client id of the finance system's integration
BUF_SUBTREE = ("BUF", "BUN", "FSK", "GRS", "GYV", "NYCK", "SOLR", "PARK", "KOLB", "LIND", "FRED")


@pytest.fixture
def admin(as_user):
    return as_user("admin.demo")


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def oidc(start_gateway, rsa_key):
    """A gateway trusting only an OIDC issuer (dev issuer off), and a signer of its tokens."""
    jwk = json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key())) | {"kid": "k1", "alg": "RS256", "use": "sig"}

    def start(**overrides):
        settings = {"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_jwks": json.dumps({"keys": [jwk]})}
        return start_gateway(dev_issuer_enabled=False, **settings | overrides)

    return start


@pytest.fixture
def oidc_token(rsa_key):
    """Headers with a token of the OIDC issuer carrying these claims (None leaves a claim out)."""

    def headers(**claims: Any) -> dict[str, str]:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300} | claims
        token = jwt.encode({k: v for k, v in body.items() if v is not None}, rsa_key, algorithm="RS256", headers={"kid": "k1"})
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def as_client(gateway):
    """Headers with a dev token for this machine client (the client claim and no person subject)."""
    issuer = DevIssuer(gateway.settings)
    return lambda client_id: {"Authorization": f"Bearer {issuer.mint_client(client_id)}"}


@pytest.fixture
def add_client(client, admin, unit_id):
    """Registers a machine client with (role, unit short name) assignments; returns its directory id."""

    async def add(client_id: str, *assignments: tuple[str, str], name: str = "Ekonomisystemets integration") -> str:
        created = await client.post(CLIENTS, json={"client_id": client_id, "display_name": name}, headers=admin)
        assert created.status_code == 201, created.text
        principal = created.json()["id"]
        for role, short in assignments:
            path = f"{USERS}/{principal}/role-assignments"
            assigned = await client.post(path, json={"role": role, "org_unit_id": unit_id(short)}, headers=admin)
            assert assigned.status_code == 201, assigned.text
        return principal

    return add


async def patch(client, admin, principal, changes):
    read = await client.get(f"{CLIENTS}/{principal}", headers=admin)
    return await client.patch(f"{CLIENTS}/{principal}", json=changes, headers=admin | {"If-Match": read.headers["etag"]})


# Signing in


async def test_a_client_credentials_token_signs_the_client_in(oidc, oidc_token, add_client):
    """Keycloak's service account: `sub` is the service account's own id, `azp` the client id."""
    principal = await add_client(ECONOMY, ("forvaltning", "BUF"))
    async with oidc() as (_, http):
        response = await http.get("/api/me", headers=oidc_token(sub=str(uuid.uuid4()), azp=ECONOMY))
    assert response.status_code == 200, response.text
    me = response.json()
    assert (me["id"], me["kind"], me["subject"], me["display_name"], me["email"]) == (
        principal,
        "client",
        ECONOMY,
        "Ekonomisystemets integration",
        None,
    )
    assert me["roles"] == ["forvaltning"]


async def test_entra_id_v1_tokens_name_the_client_in_appid(oidc, oidc_token, add_client):
    await add_client("3f1d6a0e-8c2b-4b7e-9a51-2d4f0c6e7b13", ("forvaltning", "BUF"))
    token = oidc_token(sub="b6c1a6e4-object-id", oid="b6c1a6e4-object-id", appid="3f1d6a0e-8c2b-4b7e-9a51-2d4f0c6e7b13")
    async with oidc(oidc_client_claim="appid") as (_, http):
        response = await http.get("/api/me", headers=token)
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "client"


async def test_a_client_token_needs_no_user_claim(oidc, oidc_token, add_client):
    """With the user claim set to one only persons' tokens carry, a client's token lacks it."""
    await add_client(ECONOMY, ("forvaltning", "BUF"))
    async with oidc(oidc_user_claim="preferred_username") as (_, http):
        response = await http.get("/api/me", headers=oidc_token(sub="sa-1", azp=ECONOMY))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == ECONOMY


async def test_a_token_naming_neither_a_user_nor_a_client_is_refused(oidc, oidc_token, problem):
    async with oidc() as (_, http):
        body = problem(await http.get("/api/me", headers=oidc_token(sub=None)), 401)
    assert "'sub'" in body["detail"] and "'azp'" in body["detail"]


async def test_an_unknown_client_is_refused(oidc, oidc_token, problem):
    async with oidc() as (_, http):
        body = problem(await http.get("/api/me", headers=oidc_token(sub=str(uuid.uuid4()), azp="okand-integration")), 403)
    assert body["type"] == "urn:styrkedjan:problem:unknown-user"


async def test_a_deactivated_client_is_refused_at_once(client, add_client, as_client, admin, problem):
    principal = await add_client(ECONOMY, ("forvaltning", "BUF"))
    assert (await client.get("/api/me", headers=as_client(ECONOMY))).status_code == 200
    assert (await patch(client, admin, principal, {"active": False})).status_code == 200
    body = problem(await client.get("/api/me", headers=as_client(ECONOMY)), 403)
    assert "deactivated" in body["detail"] and ECONOMY in body["detail"]


async def test_a_persons_token_through_a_registered_client_is_the_person(oidc, oidc_token, add_client, user_id):
    """A person signing in through an app carries the app's client id too: the person it stays."""
    await add_client(ECONOMY, ("admin", "KF"))
    async with oidc() as (_, http):
        response = await http.get("/api/me", headers=oidc_token(sub="enhet.demo", azp=ECONOMY))
    assert response.status_code == 200, response.text
    assert (response.json()["id"], response.json()["kind"], response.json()["roles"]) == (user_id("enhet.demo"), "person", ["enhet"])


async def test_a_deactivated_person_does_not_fall_back_to_the_client(client, add_client, admin, oidc, oidc_token, user_id, problem):
    await add_client(ECONOMY, ("admin", "KF"))
    read = await client.get(f"{USERS}/{user_id('enhet.demo')}", headers=admin)
    changed = await client.patch(read.url, json={"active": False}, headers=admin | {"If-Match": read.headers["etag"]})
    assert changed.status_code == 200
    async with oidc() as (_, http):
        body = problem(await http.get("/api/me", headers=oidc_token(sub="enhet.demo", azp=ECONOMY)), 403)
    assert "deactivated" in body["detail"]


async def test_an_unknown_person_with_delegated_scopes_is_not_the_client(add_client, oidc, oidc_token, problem):
    """Entra ID: a token with `scp` is a person's, acting through the app, never the app's own."""
    await add_client(ECONOMY, ("admin", "KF"))
    async with oidc() as (_, http):
        problem(await http.get("/api/me", headers=oidc_token(sub="okand.person", azp=ECONOMY, scp="user_impersonation")), 403)


async def test_a_persons_subject_as_client_id_does_not_make_the_person_a_client(client, as_client, problem):
    """A token naming kf.demo as its client is no client's: persons are matched only on the user claim."""
    problem(await client.get("/api/me", headers=as_client("kf.demo")), 403)


async def test_a_client_id_as_user_claim_does_not_make_a_person_of_the_client(add_client, oidc, oidc_token, problem):
    """Someone whose subject at the identity provider equals a client id is not that client."""
    await add_client(ECONOMY, ("admin", "KF"))
    async with oidc() as (_, http):
        problem(await http.get("/api/me", headers=oidc_token(sub=ECONOMY, azp="styrkedjan-web")), 403)


# What the services receive


READ_SERVICE = {
    "openapi": "3.1.0",
    "info": {"title": "goals", "version": "1"},
    "paths": {
        "/api/goals/v1/things": {
            "get": {"operationId": "things-get", "x-roles": ["forvaltning"], "responses": {"200": {"description": "OK"}}}
        }
    },
}


@pytest.fixture
def recording_goals(serve):
    """A goals service that records the identity assertion of each request it serves."""
    assertions: list[str] = []

    async def service(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] == "/openapi.json":
            body = orjson.dumps(READ_SERVICE)
        else:
            assertions.append(dict(scope["headers"])[HEADER.encode()].decode())
            body = b"{}"
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    return service, assertions


async def test_a_client_with_forvaltning_at_an_administration_is_asserted_to_services_like_a_person(
    serve, start_gateway, recording_goals, add_client, as_client, as_user, unit_id, user_id
):
    service, assertions = recording_goals
    principal = await add_client(ECONOMY, ("forvaltning", "BUF"))
    async with serve(service) as url, start_gateway(goals_url=url) as (gateway, http):
        for headers in (as_client(ECONOMY), as_user("forvaltning.demo")):
            response = await http.get("/api/goals/v1/things", headers=headers)
            assert response.status_code == 200, response.text
        settings = gateway.settings
        verifier = AssertionVerifier(public_key_pem(settings.assertion_key_pem()), settings.assertion_issuer, "goals")
        as_machine, as_person = (verifier.verify(token) for token in assertions)
    claims = jwt.decode(assertions[0], options={"verify_signature": False})
    assert (claims["sub"], claims["name"], claims["kind"]) == (principal, "Ekonomisystemets integration", "client")
    assert (as_machine.user_id, as_machine.kind) == (principal, PrincipalKind.CLIENT)
    assert (as_person.user_id, as_person.kind) == (user_id("forvaltning.demo"), PrincipalKind.PERSON)
    # The same assignment, the same scope: the administration's subtree and the board it serves.
    assert as_machine.assignments == as_person.assignments
    [assignment] = as_machine.assignments
    assert assignment.scope == frozenset(unit_id(short) for short in BUF_SUBTREE)
    assert as_machine.can_act_on(unit_id("PARK"), ("forvaltning",)) and not as_machine.can_act_on(unit_id("SOF"), ("forvaltning",))


async def test_a_client_without_the_operations_role_is_refused_before_the_service(
    serve, start_gateway, recording_goals, add_client, as_client, problem
):
    service, assertions = recording_goals
    await add_client(ECONOMY, ("enhet", "PARK"))
    async with serve(service) as url, start_gateway(goals_url=url) as (_, http):
        problem(await http.get("/api/goals/v1/things", headers=as_client(ECONOMY)), 403)
    assert assertions == []


async def test_the_clients_writes_are_audited_under_its_name(client, add_client, as_client, user_id):
    principal = await add_client(ECONOMY, ("admin", "KF"), name="Lönesystemets integration")
    created = await client.post(USERS, json={"subject": "ny.person", "display_name": "Ny Person"}, headers=as_client(ECONOMY))
    assert created.status_code == 201, created.text
    params = {"entity_type": "user", "entity_id": created.json()["id"]}
    [event] = (await client.get(f"{DIRECTORY}/audit-events", params=params, headers=as_client(ECONOMY))).json()["items"]
    assert (event["actor_id"], event["actor_name"], event["actor_kind"]) == (principal, "Lönesystemets integration", "client")


# The admin API


async def test_admin_registers_a_client(client, admin, as_client):
    response = await client.post(CLIENTS, json={"client_id": ECONOMY, "display_name": "Ekonomisystemets integration"}, headers=admin)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "id": body["id"],
        "client_id": ECONOMY,
        "display_name": "Ekonomisystemets integration",
        "active": True,
        "row_version": 1,
    }
    assert response.headers["location"] == f"{CLIENTS}/{body['id']}"
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    read = await client.get(response.headers["location"], headers=admin)
    assert read.json() == body and read.headers["etag"] == response.headers["etag"]
    # Registered without any assignment, it signs in and may do nothing yet.
    me = await client.get("/api/me", headers=as_client(ECONOMY))
    assert me.status_code == 200 and me.json()["roles"] == []


async def test_a_client_holds_role_assignments_like_a_user(client, admin, add_client, unit_id, as_client):
    principal = await add_client(ECONOMY, ("forvaltning", "BUF"), ("enhet", "PARK"))
    listed = (await client.get(f"{USERS}/{principal}/role-assignments", headers=admin)).json()
    assert sorted((a["role"], a["org_unit_id"]) for a in listed) == sorted([("forvaltning", unit_id("BUF")), ("enhet", unit_id("PARK"))])
    removed = await client.delete(f"{DIRECTORY}/role-assignments/{listed[1]['id']}", headers=admin)
    assert removed.status_code == 204
    assert [a["role"] for a in (await client.get("/api/me", headers=as_client(ECONOMY))).json()["assignments"]] == [listed[0]["role"]]


async def test_the_users_list_holds_persons_and_the_clients_list_clients(client, admin, add_client):
    await add_client(ECONOMY, name="Anna-systemet")  # sorts among the persons by name
    await add_client("diariet", name="Diariets integration")
    users = (await client.get(USERS, params={"limit": 200}, headers=admin)).json()["items"]
    assert len(users) == 6 and ECONOMY not in {u["subject"] for u in users}
    clients = (await client.get(CLIENTS, headers=admin)).json()["items"]
    assert [c["client_id"] for c in clients] == [ECONOMY, "diariet"]
    found = (await client.get(CLIENTS, params={"q": "diar"}, headers=admin)).json()["items"]
    assert [c["client_id"] for c in found] == ["diariet"]


async def test_pages_walk_every_client_once(client, admin, add_client):
    for n in range(5):
        await add_client(f"integration-{n}", name=f"Integration {n}")
    seen, cursor = [], None
    while True:
        page = (await client.get(CLIENTS, params={"limit": 2} | ({"cursor": cursor} if cursor else {}), headers=admin)).json()
        seen += [c["client_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"integration-{n}" for n in range(5)]


async def test_a_person_is_no_client(client, admin, user_id, problem):
    problem(await client.get(f"{CLIENTS}/{user_id('kf.demo')}", headers=admin), 404)
    changed = await client.patch(f"{CLIENTS}/{user_id('kf.demo')}", json={"active": False}, headers=admin | {"If-Match": "*"})
    problem(changed, 404)
    assert (await client.get(f"{USERS}/{user_id('kf.demo')}", headers=admin)).json()["active"] is True


async def test_a_client_is_no_user(client, admin, add_client, problem):
    # A client is read and changed as a client: as a user it could be given an e-mail.
    registered = await add_client("kolada-sync")
    before = (await client.get(f"{CLIENTS}/{registered}", headers=admin)).json()
    problem(await client.get(f"{USERS}/{registered}", headers=admin), 404)
    changed = await client.patch(f"{USERS}/{registered}", json={"email": "x@example.org"}, headers=admin | {"If-Match": "*"})
    problem(changed, 404)
    assert (await client.get(f"{CLIENTS}/{registered}", headers=admin)).json() == before


async def test_admin_renames_and_deactivates_a_client(client, admin, add_client):
    principal = await add_client(ECONOMY)
    response = await patch(client, admin, principal, {"display_name": "Ekonomisystemet (Raindance)", "active": False})
    assert response.status_code == 200, response.text
    assert (response.json()["display_name"], response.json()["active"], response.json()["row_version"]) == (
        "Ekonomisystemet (Raindance)",
        False,
        2,
    )
    assert response.headers["etag"] == f'"{principal}.2"'


async def test_a_change_needs_the_current_etag(client, admin, add_client, problem):
    principal = await add_client(ECONOMY)
    problem(await client.patch(f"{CLIENTS}/{principal}", json={"active": False}, headers=admin), 428)
    stale = admin | {"If-Match": f'"{principal}.0"'}
    problem(await client.patch(f"{CLIENTS}/{principal}", json={"active": False}, headers=stale), 412)
    assert (await client.get(f"{CLIENTS}/{principal}", headers=admin)).json()["active"] is True


@pytest.mark.parametrize("taken", ["kf.demo", ECONOMY], ids=["a-persons-subject", "another-clients-id"])
async def test_a_client_id_already_in_the_directory_is_refused(client, admin, add_client, problem, taken):
    await add_client(ECONOMY)
    body = problem(await client.post(CLIENTS, json={"client_id": taken, "display_name": "Dubblett"}, headers=admin), 409)
    assert taken in body["detail"]
    clients = (await client.get(CLIENTS, headers=admin)).json()["items"]
    assert [c["client_id"] for c in clients] == [ECONOMY]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"display_name": "X"}, "#/client_id"),
        ({"client_id": "", "display_name": "X"}, "#/client_id"),
        ({"client_id": " ekonomi", "display_name": "X"}, "#/client_id"),
        ({"client_id": "x" * 201, "display_name": "X"}, "#/client_id"),
        ({"client_id": "a\u0000b", "display_name": "X"}, "#/client_id"),
        ({"client_id": ECONOMY}, "#/display_name"),
        ({"client_id": ECONOMY, "display_name": "X", "email": "x@example.se"}, "#/email"),
    ],
    ids=["missing-id", "empty-id", "spaces", "too-long", "nul", "missing-name", "unknown-field"],
)
async def test_a_bad_registration_is_refused_naming_the_field(client, admin, problem, body, pointer):
    problem(await client.post(CLIENTS, json=body, headers=admin), 422, pointer)
    assert (await client.get(CLIENTS, headers=admin)).json()["items"] == []


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [({"client_id": "annat"}, "#/client_id"), ({"display_name": None}, "#/display_name"), ({"active": "ja"}, "#/active")],
    ids=["client-id", "null-name", "not-a-boolean"],
)
async def test_a_bad_change_is_refused_naming_the_field(client, admin, add_client, problem, changes, pointer):
    principal = await add_client(ECONOMY)
    problem(await patch(client, admin, principal, changes), 422, pointer)
    assert (await client.get(f"{CLIENTS}/{principal}", headers=admin)).json()["row_version"] == 1


@pytest.mark.parametrize("subject", ["kf.demo", "forvaltning.demo", "revisor.demo"])
async def test_only_admins_manage_clients(client, as_user, add_client, problem, subject):
    principal = await add_client(ECONOMY)
    caller = as_user(subject)
    problem(await client.get(CLIENTS, headers=caller), 403)
    problem(await client.get(f"{CLIENTS}/{principal}", headers=caller), 403)
    problem(await client.post(CLIENTS, json={"client_id": "diariet", "display_name": "Diariet"}, headers=caller), 403)
    problem(await client.patch(f"{CLIENTS}/{principal}", json={"active": False}, headers=caller | {"If-Match": "*"}), 403)


async def test_a_client_without_admin_does_not_manage_clients(client, add_client, as_client, problem):
    principal = await add_client(ECONOMY, ("forvaltning", "BUF"))
    problem(await client.patch(f"{CLIENTS}/{principal}", json={"active": True}, headers=as_client(ECONOMY) | {"If-Match": "*"}), 403)


async def test_registering_and_changing_a_client_are_audited(client, admin, add_client, user_id):
    principal = await add_client(ECONOMY)
    await patch(client, admin, principal, {"active": False})
    params = {"entity_type": "client", "entity_id": principal}
    events = (await client.get(f"{DIRECTORY}/audit-events", params=params, headers=admin)).json()["items"]
    assert [(e["action"], e["actor_id"], e["actor_kind"]) for e in events] == [
        ("UPDATE", user_id("admin.demo"), "person"),
        ("CREATE", user_id("admin.demo"), "person"),
    ]
    assert (events[0]["before"]["active"], events[0]["after"]["active"]) == (True, False)
    assert events[1]["after"]["client_id"] == ECONOMY


async def test_a_retried_registration_is_answered_again_and_registers_one_client(client, admin):
    data = {"client_id": ECONOMY, "display_name": "Ekonomisystemets integration"}
    first = await client.post(CLIENTS, json=data, headers=admin | {"Idempotency-Key": "client-1"})
    again = await client.post(CLIENTS, json=data, headers=admin | {"Idempotency-Key": "client-1"})
    assert first.status_code == again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len((await client.get(CLIENTS, headers=admin)).json()["items"]) == 1


# The development issuer


async def test_the_dev_issuer_mints_a_token_for_a_client(client, add_client):
    principal = await add_client(ECONOMY, ("forvaltning", "BUF"))
    response = await client.post(DEV_TOKEN, json={"client_id": ECONOMY})
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["azp"], claims["aud"], "sub" in claims) == (ECONOMY, DEV_AUDIENCE, False)
    me = (await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert (me["id"], me["kind"]) == (principal, "client")


async def test_the_dev_issuer_mints_no_client_token_for_a_person_or_a_deactivated_client(client, admin, add_client, problem):
    problem(await client.post(DEV_TOKEN, json={"client_id": "kf.demo"}), 404)
    principal = await add_client(ECONOMY)
    await patch(client, admin, principal, {"active": False})
    problem(await client.post(DEV_TOKEN, json={"client_id": ECONOMY}), 404)


async def test_the_dev_issuer_mints_no_person_token_for_a_client(client, add_client, problem):
    await add_client(ECONOMY)
    problem(await client.post(DEV_TOKEN, json={"subject": ECONOMY}), 404)

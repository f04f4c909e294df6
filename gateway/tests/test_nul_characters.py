"""A NUL character (U+0000) from a client is refused at the gateway as a 4xx naming where it was,
on both databases: PostgreSQL cannot even look such a text up (it answered 500)."""

from gateway.auth.tokens import DevIssuer

DIRECTORY = "/api/directory/v1"


async def test_a_token_whose_subject_holds_a_nul_is_a_401(client, gateway, problem):
    token = DevIssuer(gateway.settings).mint("kf.demo\x00")
    body = problem(await client.get("/api/me", headers={"Authorization": f"Bearer {token}"}), 401)
    assert body["type"] == "urn:styrkedjan:problem:invalid-token" and "NUL" in body["detail"]


async def test_a_dev_token_for_a_subject_holding_a_nul_is_a_422_naming_it(client, problem):
    problem(await client.post("/api/auth/dev-token", json={"subject": "kf.demo\x00"}), 422, "#/subject")


async def test_a_nul_in_a_directory_filter_is_a_422_naming_it(client, as_user, problem):
    for path in ("org-units", "users"):
        problem(await client.get(f"{DIRECTORY}/{path}", params={"q": "nämnd\x00"}, headers=as_user("admin.demo")), 422, "#/query/q")


async def test_a_nul_in_a_directory_body_is_a_422_naming_it(client, as_user, unit_id, problem):
    body = {"type": "unit", "parent_id": unit_id("BUF"), "name": "Ny\x00 enhet", "short_name": "NY", "valid_from": "2025-01-01"}
    problem(await client.post(f"{DIRECTORY}/org-units", json=body, headers=as_user("admin.demo")), 422, "#/name")

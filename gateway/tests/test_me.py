"""/api/me: who the gateway thinks the caller is, and the org units each assignment covers."""

DIRECTORY = "/api/directory/v1"
BUF_SUBTREE = ("BUF", "FSK", "GRS", "GYV", "NYCK", "SOLR", "PARK", "KOLB", "LIND", "FRED")


async def me(client, as_user, subject):
    response = await client.get("/api/me", headers=as_user(subject))
    assert response.status_code == 200, response.text
    return response.json()


async def test_me_names_the_user_and_their_roles(client, as_user, user_id):
    body = await me(client, as_user, "forvaltning.demo")
    assert body["id"] == user_id("forvaltning.demo")
    assert body["subject"] == "forvaltning.demo"
    assert body["display_name"] == "Frida Förvaltning (demo)"
    assert body["email"] == "forvaltning.demo@example.se"
    assert body["roles"] == ["forvaltning"]


async def test_an_assignment_at_the_root_covers_the_whole_municipality(client, as_user, unit_id):
    [assignment] = (await me(client, as_user, "admin.demo"))["assignments"]
    assert assignment == {
        "role": "admin",
        "org_unit_id": unit_id("KF"),
        "org_unit_name": "Kommunfullmäktige",
        "org_unit_type": "council",
        "scope": None,
    }


async def test_an_assignment_covers_its_units_subtree(client, as_user, unit_id):
    [assignment] = (await me(client, as_user, "namnd.demo"))["assignments"]
    assert assignment["org_unit_name"] == "Barn- och utbildningsnämnden"
    assert sorted(assignment["scope"]) == sorted(unit_id(short) for short in ("BUN", *BUF_SUBTREE))


async def test_an_administrations_assignment_also_covers_the_board_it_serves_but_not_its_siblings(client, as_user, unit_id):
    """The administration drafts the board's board-level objects (domain: forvaltning)."""
    [assignment] = (await me(client, as_user, "forvaltning.demo"))["assignments"]
    assert assignment["org_unit_name"] == "Barn- och utbildningsförvaltningen"
    assert assignment["org_unit_type"] == "administration"
    assert sorted(assignment["scope"]) == sorted(unit_id(short) for short in ("BUN", *BUF_SUBTREE))


async def test_a_unit_role_below_an_administration_does_not_reach_the_board(client, as_user, unit_id):
    [assignment] = (await me(client, as_user, "enhet.demo"))["assignments"]
    assert unit_id("BUN") not in assignment["scope"]


async def test_an_assignment_at_a_leaf_unit_covers_only_that_unit(client, as_user, unit_id):
    [assignment] = (await me(client, as_user, "enhet.demo"))["assignments"]
    assert assignment["org_unit_name"] == "Parkskolan"
    assert assignment["scope"] == [unit_id("PARK")]


async def test_every_assignment_of_a_user_is_listed_with_its_own_scope(client, as_user, add_user, unit_id):
    await add_user("two.hats", ("namnd", "KFN"), ("revisor", "KF"))
    body = await me(client, as_user, "two.hats")
    assert body["roles"] == ["namnd", "revisor"]
    scopes = {a["role"]: a["scope"] for a in body["assignments"]}
    assert scopes["revisor"] is None
    assert sorted(scopes["namnd"]) == sorted(unit_id(short) for short in ("KFN", "KFF", "BIBL", "FRIT"))


async def test_a_new_unit_joins_the_scope_at_once(client, as_user, unit_id):
    await me(client, as_user, "forvaltning.demo")  # the caller and the tree are now cached
    created = await client.post(
        f"{DIRECTORY}/org-units",
        json={"type": "unit", "parent_id": unit_id("FSK"), "name": "Humlans förskola", "short_name": "HUML", "valid_from": "2025-01-01"},
        headers=as_user("admin.demo"),
    )
    assert created.status_code == 201
    [assignment] = (await me(client, as_user, "forvaltning.demo"))["assignments"]
    assert created.json()["id"] in assignment["scope"]


async def test_me_requires_a_token(client, problem):
    problem(await client.get("/api/me"), 401)


async def test_a_user_without_any_assignment_learns_who_they_are_and_that_they_hold_no_role(client, as_user, add_user):
    user = await add_user("not.yet.assigned")
    body = await me(client, as_user, "not.yet.assigned")
    assert body["id"] == user
    assert body["roles"] == []
    assert body["assignments"] == []
    # The description says so, where a frontend reads the policy.
    described = (await client.get("/openapi.json")).json()["paths"]["/api/me"]["get"]
    assert described["x-allow-without-role"] is True


async def test_a_user_without_any_assignment_is_refused_everything_else(client, as_user, add_user, problem):
    await add_user("not.yet.assigned")
    response = await client.get(f"{DIRECTORY}/org-units", headers=as_user("not.yet.assigned"))
    problem(response, 403)

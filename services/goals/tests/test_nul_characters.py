"""A NUL character (U+0000) is refused wherever a client's text comes in, as a 422 naming the
field, the same on both databases: PostgreSQL cannot store one (it answered 500), SQLite stored it."""

import uuid

from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

API = "/api/goals/v1"
VISIONS = f"{API}/visions"
VISION = {
    "horizon_start_year": 2025,
    "horizon_end_year": 2036,
    "text": "Hallstahammar – en plats att leva, verka och bo på.",
    "core_values": [{"name": "Delaktighet", "description": "Vi involverar dem vi finns till för."}],
}


async def test_a_nul_in_a_body_text_is_a_422_naming_it_and_nothing_is_stored(client, as_role):
    council = as_role(Role.FULLMAKTIGE)
    body = VISION | {"text": "Hallstahammar\x00", "core_values": [{"name": "Delak\x00tighet", "description": "ok"}]}
    response = await client.post(VISIONS, json=body, headers=council)
    problem = assert_problem(response, 422)
    assert pointers(response) == {"#/text", "#/core_values/0/name"}
    assert all("NUL" in error["detail"] for error in problem["errors"])
    listed = await client.get(VISIONS, headers=council)
    assert listed.json()["items"] == []
    # The same body without the NUL is taken.
    assert (await client.post(VISIONS, json=VISION, headers=council)).status_code == 201


async def test_a_nul_in_a_query_filter_is_a_422_naming_it(client, as_role):
    response = await client.get(f"{API}/indicators", params={"q": "andel\x00"}, headers=as_role(Role.REVISOR))
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/q"}


async def test_a_nul_in_a_path_parameter_is_a_422_naming_it(client, as_role):
    response = await client.get(f"{API}/indicator-uses/{uuid.uuid4()}/outcomes/2027%00", headers=as_role(Role.REVISOR))
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/period"}

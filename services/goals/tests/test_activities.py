"""The focus-area and activity API: what boards, administrations and units plan to do, linked to
goals (by lineage) and quality factors; the activity statuses are configuration."""

import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from services.goals.tests import factories
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, assertion_headers, org_unit, pointers

API = "/api/goals/v1"
FOCUS_AREAS = f"{API}/focus-areas"
ACTIVITIES = f"{API}/activities"
STATUSES = f"{API}/activity-statuses"
AUDIT = f"{API}/audit-events"
BOARD = org_unit(OrgUnitType.BOARD)
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION)
UNIT = org_unit(OrgUnitType.UNIT)
OTHER_BOARD = org_unit(OrgUnitType.BOARD)
DEFAULT_STATUSES = ["NOT_STARTED", "ONGOING", "DONE", "PAUSED", "CANCELLED"]
FOCUS_AREA = {"org_unit_id": BOARD, "year": 2027, "name": "Digitalisering", "description": "Digitala tjänster för invånarna."}
ACTIVITY = {
    "owner_org_unit_id": ADMINISTRATION,
    "title": "Läsfrämjande insatser i årskurs 1–3",
    "responsible": "Rektor Kolbäcksskolan",
    "start_date": "2027-01-10",
    "end_date": "2027-06-15",
}


@pytest.fixture
def board(as_role):
    return as_role(Role.NAMND, BOARD, [BOARD, ADMINISTRATION, UNIT])


@pytest.fixture
def administration(as_role):
    return as_role(Role.FORVALTNING, ADMINISTRATION, [ADMINISTRATION, UNIT])


@pytest.fixture
def unit(as_role):
    return as_role(Role.ENHET, UNIT, [UNIT])


@pytest.fixture
def nobody(keys):
    return assertion_headers(keys, "goals", Principal(user_id="nobody", name="Ingen roll", assignments=()))


async def goal(app, owner=BOARD, status=Status.DECIDED, **options):
    row, links = factories.goal(uuid.UUID(owner), status=status, **options)
    await factories.add(app, row, *links)
    return row


async def second_revision(app, first):
    """A draft amendment of `first`: another id, the same lineage."""
    row, _ = factories.goal(first.owner_org_unit_id, status=Status.DRAFT)
    row.lineage_id, row.revision, row.replaces_id = first.lineage_id, 2, first.id
    await factories.add(app, row)
    return row


async def quality_factor(app, org_unit=ADMINISTRATION, name="Trygg och säker vård"):
    factor = factories.quality_factor(uuid.UUID(org_unit), name)
    await factories.add(app, factor)
    return factor


async def create_focus_area(client, headers, **changes):
    response = await client.post(FOCUS_AREAS, json=FOCUS_AREA | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def create_activity(client, headers, **changes):
    response = await client.post(ACTIVITIES, json=ACTIVITY | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def listed(client, url, as_role, **params):
    response = await client.get(url, params=params, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def audit_events(client, as_role, **params):
    return (await client.get(AUDIT, params=params, headers=as_role(Role.REVISOR))).json()["items"]


@contextmanager
def counted_queries(app):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


# --- focus areas: create --------------------------------------------------------------------


async def test_board_creates_a_focus_area_linked_to_goal_lineages(client, board, app, as_role):
    first = await goal(app)
    amended = await second_revision(app, first)
    other = await goal(app, title="Hållbar ekonomi")
    response = await client.post(
        FOCUS_AREAS, json=FOCUS_AREA | {"goal_ids": [str(amended.id), str(other.id), str(first.id)]}, headers=board
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["org_unit_id"], body["year"], body["name"], body["row_version"]) == (BOARD, 2027, "Digitalisering", 1)
    assert body["goal_ids"] == sorted([str(first.lineage_id), str(other.lineage_id)])
    assert response.headers["etag"] == f'"{body["id"]}.1"' and response.headers["location"] == f"{FOCUS_AREAS}/{body['id']}"
    fetched = await client.get(response.headers["location"], headers=as_role(Role.ENHET, UNIT, [UNIT]))
    assert fetched.json() == body and fetched.headers["etag"] == response.headers["etag"]


async def test_administration_creates_a_focus_area_in_its_scope(client, administration):
    response = await client.post(FOCUS_AREAS, json=FOCUS_AREA | {"org_unit_id": ADMINISTRATION}, headers=administration)
    assert response.status_code == 201 and response.json()["goal_ids"] == []


async def test_focus_area_outside_scope_is_refused_naming_the_unit(client, board, as_role):
    response = await client.post(FOCUS_AREAS, json=FOCUS_AREA | {"org_unit_id": OTHER_BOARD}, headers=board)
    assert_problem(response, 403, f"a focus area belongs to org unit {OTHER_BOARD}, which is outside your scope", "forbidden")
    assert await listed(client, FOCUS_AREAS, as_role) == []


@pytest.mark.parametrize("role", [Role.ENHET, Role.FULLMAKTIGE, Role.REVISOR, Role.ADMIN])
async def test_roles_outside_the_policy_cannot_create_a_focus_area(client, as_role, role):
    response = await client.post(FOCUS_AREAS, json=FOCUS_AREA, headers=as_role(role))
    assert_problem(response, 403, "allowed for the roles: forvaltning, namnd", "role-not-allowed")
    assert await listed(client, FOCUS_AREAS, as_role) == []


async def test_focus_area_naming_an_unknown_goal_is_refused_with_a_pointer(client, board, app, as_role):
    known = await goal(app)
    response = await client.post(FOCUS_AREAS, json=FOCUS_AREA | {"goal_ids": [str(known.id), str(uuid.uuid4())]}, headers=board)
    assert_problem(response, 422, "a goal that does not exist", "invalid-input")
    assert pointers(response) == {"#/goal_ids/1"}
    assert await listed(client, FOCUS_AREAS, as_role) == []


async def test_a_goal_draft_outside_scope_counts_as_unknown(client, board, app):
    hidden = await goal(app, owner=OTHER_BOARD, status=Status.DRAFT)
    response = await client.post(FOCUS_AREAS, json=FOCUS_AREA | {"goal_ids": [str(hidden.id)]}, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/goal_ids/0"}


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [({"name": ""}, "#/name"), ({"year": 1999}, "#/year"), ({"goal_ids": ["mål-1"]}, "#/goal_ids/0"), ({"status": "DONE"}, "#/status")],
)
async def test_invalid_focus_area_is_refused_with_a_pointer(client, board, as_role, changes, pointer):
    response = await client.post(FOCUS_AREAS, json=FOCUS_AREA | changes, headers=board)
    assert_problem(response, 422, type_="validation-failed")
    assert pointer in pointers(response)
    assert await listed(client, FOCUS_AREAS, as_role) == []


async def test_focus_area_writes_without_an_assertion_are_401(client, board):
    area = await create_focus_area(client, board)
    url = f"{FOCUS_AREAS}/{area.json()['id']}"
    assert_problem(await client.post(FOCUS_AREAS, json=FOCUS_AREA), 401)
    assert_problem(await client.patch(url, json={"name": "x"}, headers={"If-Match": "*"}), 401)
    assert_problem(await client.delete(url, headers={"If-Match": "*"}), 401)


# --- focus areas: read ----------------------------------------------------------------------


async def test_focus_areas_are_listed_by_year_and_name_with_filters_and_a_cursor(client, board, administration, as_role):
    later = (await create_focus_area(client, board, year=2028, name="A")).json()["id"]
    b = (await create_focus_area(client, board, name="B")).json()["id"]
    a = (await create_focus_area(client, board, name="A")).json()["id"]
    own = (await create_focus_area(client, administration, org_unit_id=ADMINISTRATION, name="C")).json()["id"]
    assert await listed(client, FOCUS_AREAS, as_role) == [a, b, own, later]
    assert await listed(client, FOCUS_AREAS, as_role, org_unit_id=BOARD) == [a, b, later]
    assert await listed(client, FOCUS_AREAS, as_role, year=2027, org_unit_id=BOARD) == [a, b]
    reader = as_role(Role.ENHET, UNIT, [UNIT])
    first = (await client.get(FOCUS_AREAS, params={"limit": 3}, headers=reader)).json()
    rest = (await client.get(FOCUS_AREAS, params={"limit": 3, "cursor": first["next_cursor"]}, headers=reader)).json()
    assert [f["id"] for f in first["items"]] == [a, b, own] and [f["id"] for f in rest["items"]] == [later]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "pointer"),
    [({"year": "i år"}, "#/query/year"), ({"limit": 500}, "#/query/limit"), ({"cursor": "eyJ4IjoxfQ"}, "#/query/cursor")],
)
async def test_focus_area_list_with_invalid_parameters_is_422(client, board, params, pointer):
    response = await client.get(FOCUS_AREAS, params=params, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


async def test_focus_area_reads_need_an_assertion_and_a_role(client, board, nobody):
    url = f"{FOCUS_AREAS}/{(await create_focus_area(client, board)).json()['id']}"
    assert_problem(await client.get(FOCUS_AREAS), 401)
    assert_problem(await client.get(url), 401)
    assert_problem(await client.get(FOCUS_AREAS, headers=nobody), 403, type_="role-not-allowed")
    assert_problem(await client.get(url, headers=nobody), 403, type_="role-not-allowed")


async def test_focus_area_get_of_an_unknown_or_malformed_id(client, board):
    unknown = uuid.uuid4()
    assert_problem(await client.get(f"{FOCUS_AREAS}/{unknown}", headers=board), 404, f"no focus area {unknown}", "not-found")
    response = await client.get(f"{FOCUS_AREAS}/fokus", headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/focus_area_id"}


# --- focus areas: update and delete ---------------------------------------------------------


async def test_focus_area_update_replaces_fields_and_goal_links(client, board, app):
    first, second = await goal(app), await goal(app, title="Attraktiv arbetsgivare")
    created = await create_focus_area(client, board, goal_ids=[str(first.id)])
    url = f"{FOCUS_AREAS}/{created.json()['id']}"
    response = await client.patch(
        url, json={"name": "Digital välfärd", "goal_ids": [str(second.id)]}, headers=board | {"If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Digital välfärd" and response.json()["goal_ids"] == [str(second.lineage_id)]
    assert response.headers["etag"] == f'"{created.json()["id"]}.2"'
    assert (await client.get(url, headers=board)).json() == response.json()


async def test_changing_only_the_goal_links_moves_the_etag(client, board, app):
    linked = await goal(app)
    created = await create_focus_area(client, board)
    response = await client.patch(
        f"{FOCUS_AREAS}/{created.json()['id']}", json={"goal_ids": [str(linked.id)]}, headers=board | {"If-Match": created.headers["etag"]}
    )
    assert response.json()["row_version"] == 2 and response.headers["etag"] != created.headers["etag"]


async def test_focus_area_update_preconditions_and_refusals(client, board, administration):
    created = await create_focus_area(client, board)
    url = f"{FOCUS_AREAS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"name": "x"}, headers=board), 428)
    assert_problem(await client.patch(url, json={"name": "x"}, headers=board | {"If-Match": '"stale.0"'}), 412)
    assert_problem(await client.patch(url, json={"name": None}, headers=board | {"If-Match": "*"}), 422, "cannot be cleared")
    assert_problem(await client.patch(url, json={"goal_ids": [str(uuid.uuid4())]}, headers=board | {"If-Match": "*"}), 422)
    # The administration's scope does not reach the board's own focus area.
    assert_problem(await client.patch(url, json={"name": "x"}, headers=administration | {"If-Match": "*"}), 403, "outside your scope")
    assert_problem(await client.patch(f"{FOCUS_AREAS}/{uuid.uuid4()}", json={"name": "x"}, headers=board | {"If-Match": "*"}), 404)
    assert (await client.get(url, headers=board)).json() == created.json()


async def test_deleting_a_focus_area_removes_it(client, board, app, as_role):
    created = await create_focus_area(client, board, goal_ids=[str((await goal(app)).id)])
    url = f"{FOCUS_AREAS}/{created.json()['id']}"
    assert_problem(await client.delete(url, headers=board), 428)
    response = await client.delete(url, headers=board | {"If-Match": created.headers["etag"]})
    assert response.status_code == 204
    assert_problem(await client.get(url, headers=board), 404)
    assert (await audit_events(client, as_role))[0]["before"]["goal_ids"] == created.json()["goal_ids"]


async def test_deleting_a_focus_area_with_activities_is_refused(client, board, administration):
    created = await create_focus_area(client, board)
    await create_activity(client, administration, focus_area_id=created.json()["id"])
    url = f"{FOCUS_AREAS}/{created.json()['id']}"
    response = await client.delete(url, headers=board | {"If-Match": created.headers["etag"]})
    assert_problem(response, 409, "a focus area with activities is not deleted: 1 activity(ies) belong to it", "rule-violation")
    assert (await client.get(url, headers=board)).json() == created.json()


async def test_deleting_a_focus_area_refusals(client, board, as_role):
    created = await create_focus_area(client, board)
    url = f"{FOCUS_AREAS}/{created.json()['id']}"
    assert_problem(await client.delete(f"{FOCUS_AREAS}/{uuid.uuid4()}", headers=board | {"If-Match": "*"}), 404)
    assert_problem(await client.delete(f"{FOCUS_AREAS}/x", headers=board | {"If-Match": "*"}), 422)
    other_board = as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD]) | {"If-Match": "*"}
    assert_problem(await client.delete(url, headers=other_board), 403, "outside your scope")
    assert_problem(await client.delete(url, headers=as_role(Role.ENHET, BOARD, [BOARD]) | {"If-Match": "*"}), 403, type_="role-not-allowed")
    assert (await client.get(url, headers=board)).status_code == 200


# --- activity statuses ------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
async def test_activity_statuses_are_the_configured_ones(client, as_role, role):
    response = await client.get(STATUSES, headers=as_role(role, "x", ["x"]))
    assert response.status_code == 200
    assert response.json() == {"statuses": DEFAULT_STATUSES, "initial": "NOT_STARTED"}


async def test_activity_statuses_need_an_assertion_and_a_role(client, nobody):
    assert_problem(await client.get(STATUSES), 401)
    assert_problem(await client.get(STATUSES, headers=nobody), 403, type_="role-not-allowed")


# --- activities: create -----------------------------------------------------------------------


async def test_board_creates_an_activity_with_its_links(client, board, app, as_role):
    first = await goal(app)
    amended = await second_revision(app, first)
    factor = await quality_factor(app)
    area = (await create_focus_area(client, board)).json()
    response = await client.post(
        ACTIVITIES,
        json=ACTIVITY
        | {
            "focus_area_id": area["id"],
            "goal_ids": [str(amended.id)],
            "quality_factor_ids": [str(factor.id), str(factor.id)],
            "sdgs": [4, 10, 4],
            "external_codes": {"stratsys": "AKT-1042"},
        },
        headers=board,  # the amendment is a draft: readable, so linkable, in the board's scope
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "NOT_STARTED", "a new activity starts in the first configured status"
    assert body["goal_ids"] == [str(first.lineage_id)] and body["quality_factor_ids"] == [str(factor.id)]
    assert body["focus_area_id"] == area["id"] and body["sdgs"] == [4, 10]
    assert body["external_codes"] == {"stratsys": "AKT-1042"}
    assert (body["start_date"], body["end_date"], body["responsible"]) == ("2027-01-10", "2027-06-15", "Rektor Kolbäcksskolan")
    assert response.headers["etag"] == f'"{body["id"]}.1"' and response.headers["location"] == f"{ACTIVITIES}/{body['id']}"
    fetched = await client.get(response.headers["location"], headers=as_role(Role.ENHET, "x", ["x"]))
    assert fetched.json() == body and fetched.headers["etag"] == response.headers["etag"]


async def test_unit_creates_an_activity_of_its_own_unit(client, unit):
    response = await client.post(ACTIVITIES, json=ACTIVITY | {"owner_org_unit_id": UNIT, "status": "ONGOING"}, headers=unit)
    assert response.status_code == 201 and response.json()["status"] == "ONGOING"


async def test_unit_cannot_write_its_administrations_activities(client, unit, as_role):
    response = await client.post(ACTIVITIES, json=ACTIVITY, headers=unit)
    assert_problem(response, 403, f"an activity belongs to org unit {ADMINISTRATION}, which is outside your scope", "forbidden")
    assert await listed(client, ACTIVITIES, as_role) == []


@pytest.mark.parametrize("role", [Role.FULLMAKTIGE, Role.REVISOR, Role.ADMIN])
async def test_roles_outside_the_policy_cannot_create_an_activity(client, as_role, role):
    response = await client.post(ACTIVITIES, json=ACTIVITY, headers=as_role(role))
    assert_problem(response, 403, "allowed for the roles: enhet, forvaltning, namnd", "role-not-allowed")


async def test_activity_ending_before_it_starts_is_refused(client, administration, as_role):
    response = await client.post(ACTIVITIES, json=ACTIVITY | {"end_date": "2027-01-09"}, headers=administration)
    assert_problem(response, 422, "an activity cannot end (2027-01-09) before it starts (2027-01-10)", "invalid-input")
    assert pointers(response) == {"#/end_date"}
    assert await listed(client, ACTIVITIES, as_role) == []


async def test_activity_may_start_and_end_the_same_day(client, administration):
    await create_activity(client, administration, end_date=ACTIVITY["start_date"])


async def test_unknown_activity_status_is_refused_listing_the_allowed_ones(client, administration, as_role):
    response = await client.post(ACTIVITIES, json=ACTIVITY | {"status": "HALFWAY"}, headers=administration)
    body = assert_problem(response, 422, "an activity's status is one of the configured statuses", "invalid-input")
    assert ", ".join(DEFAULT_STATUSES) in body["detail"] and "not HALFWAY" in body["detail"]
    assert body["errors"] == [{"pointer": "#/status", "detail": f"allowed statuses: {', '.join(DEFAULT_STATUSES)}"}]
    assert await listed(client, ACTIVITIES, as_role) == []


async def test_activity_with_an_unknown_focus_area_is_refused(client, administration, as_role):
    response = await client.post(ACTIVITIES, json=ACTIVITY | {"focus_area_id": str(uuid.uuid4())}, headers=administration)
    assert_problem(response, 422, "the activity's focus area does not exist")
    assert pointers(response) == {"#/focus_area_id"}
    assert await listed(client, ACTIVITIES, as_role) == []


async def test_activity_with_unknown_goals_or_quality_factors_is_refused(client, administration, app, as_role):
    factor = await quality_factor(app)
    response = await client.post(
        ACTIVITIES, json=ACTIVITY | {"quality_factor_ids": [str(factor.id), str(uuid.uuid4())]}, headers=administration
    )
    assert_problem(response, 422, "a quality factor that does not exist")
    assert pointers(response) == {"#/quality_factor_ids/1"}
    response = await client.post(ACTIVITIES, json=ACTIVITY | {"goal_ids": [str(uuid.uuid4())]}, headers=administration)
    assert pointers(response) == {"#/goal_ids/0"}
    assert await listed(client, ACTIVITIES, as_role) == []


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"sdgs": [18]}, "#/sdgs/0"),
        ({"sdgs": [0]}, "#/sdgs/0"),
        ({"title": ""}, "#/title"),
        ({"start_date": "januari"}, "#/start_date"),
        ({"external_codes": {"stratsys": 12}}, "#/external_codes/stratsys"),
        ({"owner_org_unit_id": None}, "#/owner_org_unit_id"),
        ({"status": ""}, "#/status"),
        ({"row_version": 3}, "#/row_version"),
    ],
)
async def test_invalid_activity_is_refused_with_a_pointer(client, administration, as_role, changes, pointer):
    response = await client.post(ACTIVITIES, json=ACTIVITY | changes, headers=administration)
    assert_problem(response, 422, type_="validation-failed")
    assert pointer in pointers(response)
    assert await listed(client, ACTIVITIES, as_role) == []


async def test_empty_body_creates_no_activity(client, administration, as_role):
    assert_problem(await client.post(ACTIVITIES, json={}, headers=administration), 422)
    assert await listed(client, ACTIVITIES, as_role) == []


# --- activities: read -------------------------------------------------------------------------


async def test_activities_are_filtered(client, administration, board, unit, app, as_role):
    first = await goal(app)
    amended = await second_revision(app, first)
    factor = await quality_factor(app)
    area = (await create_focus_area(client, board)).json()["id"]
    spring = (await create_activity(client, administration, goal_ids=[str(first.id)], focus_area_id=area)).json()["id"]
    spanning = (
        await create_activity(
            client, administration, start_date="2026-09-01", end_date="2028-02-01", status="ONGOING", quality_factor_ids=[str(factor.id)]
        )
    ).json()["id"]
    own = (
        await create_activity(client, unit, owner_org_unit_id=UNIT, start_date="2028-03-01", end_date="2028-04-01", status="DONE")
    ).json()["id"]

    assert await listed(client, ACTIVITIES, as_role) == [spanning, spring, own]
    assert await listed(client, ACTIVITIES, as_role, owner_org_unit_id=UNIT) == [own]
    assert await listed(client, ACTIVITIES, as_role, status="ONGOING") == [spanning]
    assert await listed(client, ACTIVITIES, as_role, year=2027) == [spanning, spring]
    assert await listed(client, ACTIVITIES, as_role, year=2028) == [spanning, own]
    assert await listed(client, ACTIVITIES, as_role, year=2029) == []
    assert await listed(client, ACTIVITIES, as_role, goal_id=str(amended.id)) == [spring], "any revision finds the lineage"
    assert await listed(client, ACTIVITIES, as_role, goal_id=str(first.id)) == [spring]
    assert await listed(client, ACTIVITIES, as_role, goal_id=str(uuid.uuid4())) == []
    assert await listed(client, ACTIVITIES, as_role, quality_factor_id=str(factor.id)) == [spanning]
    assert await listed(client, ACTIVITIES, as_role, focus_area_id=area) == [spring]
    assert await listed(client, ACTIVITIES, as_role, year=2027, owner_org_unit_id=ADMINISTRATION, status="NOT_STARTED") == [spring]


async def test_activities_are_paginated_by_start_date(client, administration, as_role):
    ids = [
        (await create_activity(client, administration, start_date=f"2027-0{month}-01", end_date="2027-12-31")).json()["id"]
        for month in (3, 1, 2, 1)
    ]
    seen, cursor = [], None
    reader = as_role(Role.ENHET, UNIT, [UNIT])
    while True:
        page = (await client.get(ACTIVITIES, params={"limit": 3} | ({"cursor": cursor} if cursor else {}), headers=reader)).json()
        seen += [(a["start_date"], a["id"]) for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and {i for _, i in seen} == set(ids)


async def test_activity_list_loads_links_in_bounded_queries(client, administration, app):
    linked_goal, factor = await goal(app), await quality_factor(app)
    links = {"goal_ids": [str(linked_goal.id)], "quality_factor_ids": [str(factor.id)]}

    async def queries_for_a_page():
        with counted_queries(app) as statements:
            assert (await client.get(ACTIVITIES, headers=administration)).status_code == 200
        return len(statements)

    await create_activity(client, administration, **links)
    one = await queries_for_a_page()
    assert one >= 3, "the page, its goal links and its quality-factor links"
    for _ in range(5):
        await create_activity(client, administration, **links)
    assert await queries_for_a_page() == one
    items = (await client.get(ACTIVITIES, headers=administration)).json()["items"]
    assert all(a["goal_ids"] == [str(linked_goal.lineage_id)] and a["quality_factor_ids"] == [str(factor.id)] for a in items)


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"status": "HALFWAY"}, "#/query/status"),
        ({"year": 1990}, "#/query/year"),
        ({"goal_id": "mål"}, "#/query/goal_id"),
        ({"cursor": "eyJzdGFydF9kYXRlIjoiaWdhciIsImlkIjoxfQ"}, "#/query/cursor"),
    ],
)
async def test_activity_list_with_invalid_parameters_is_422(client, administration, params, pointer):
    response = await client.get(ACTIVITIES, params=params, headers=administration)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


async def test_activity_reads_need_an_assertion_and_a_role(client, administration, nobody):
    url = f"{ACTIVITIES}/{(await create_activity(client, administration)).json()['id']}"
    assert_problem(await client.get(ACTIVITIES), 401)
    assert_problem(await client.get(url), 401)
    assert_problem(await client.get(ACTIVITIES, headers=nobody), 403, type_="role-not-allowed")
    assert_problem(await client.get(url, headers=nobody), 403, type_="role-not-allowed")


async def test_activity_get_of_an_unknown_or_malformed_id(client, administration):
    unknown = uuid.uuid4()
    assert_problem(await client.get(f"{ACTIVITIES}/{unknown}", headers=administration), 404, f"no activity {unknown}", "not-found")
    response = await client.get(f"{ACTIVITIES}/aktivitet", headers=administration)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/activity_id"}


# --- activities: update -----------------------------------------------------------------------


async def test_unit_changes_the_status_of_its_activity(client, unit, as_role):
    created = await create_activity(client, unit, owner_org_unit_id=UNIT)
    url = f"{ACTIVITIES}/{created.json()['id']}"
    response = await client.patch(url, json={"status": "DONE"}, headers=unit | {"If-Match": created.headers["etag"]})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "DONE" and response.json()["row_version"] == 2
    assert response.headers["etag"] == f'"{created.json()["id"]}.2"'
    assert response.json() | {"status": "NOT_STARTED", "row_version": 1, "updated_at": created.json()["updated_at"]} == created.json()
    event_ = (await audit_events(client, as_role, entity_id=created.json()["id"]))[0]
    assert (event_["action"], event_["before"]["status"], event_["after"]["status"]) == ("UPDATE", "NOT_STARTED", "DONE")


async def test_update_replaces_links_and_clears_the_focus_area(client, administration, board, app):
    area = (await create_focus_area(client, board)).json()["id"]
    old_goal, new_goal, factor = await goal(app), await goal(app, title="Ny"), await quality_factor(app)
    created = await create_activity(
        client, administration, focus_area_id=area, goal_ids=[str(old_goal.id)], quality_factor_ids=[str(factor.id)]
    )
    url = f"{ACTIVITIES}/{created.json()['id']}"
    response = await client.patch(
        url,
        json={"focus_area_id": None, "goal_ids": [str(new_goal.id)], "quality_factor_ids": [], "sdgs": [3], "title": "Nytt namn"},
        headers=administration | {"If-Match": created.headers["etag"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["focus_area_id"] is None and body["goal_ids"] == [str(new_goal.lineage_id)] and body["quality_factor_ids"] == []
    assert body["sdgs"] == [3] and body["title"] == "Nytt namn"
    assert (await client.get(url, headers=administration)).json() == body


async def test_changing_only_the_links_moves_the_etag(client, administration, app):
    factor = await quality_factor(app)
    created = await create_activity(client, administration)
    response = await client.patch(
        f"{ACTIVITIES}/{created.json()['id']}",
        json={"quality_factor_ids": [str(factor.id)]},
        headers=administration | {"If-Match": created.headers["etag"]},
    )
    assert response.json()["row_version"] == 2 and response.headers["etag"] != created.headers["etag"]


async def test_update_that_changes_nothing_keeps_the_row_version(client, administration, as_role):
    created = await create_activity(client, administration)
    response = await client.patch(
        f"{ACTIVITIES}/{created.json()['id']}",
        json={"status": "NOT_STARTED", "start_date": "2027-01-10"},
        headers=administration | {"If-Match": created.headers["etag"]},
    )
    assert response.status_code == 200 and response.json() == created.json()
    assert response.headers["etag"] == created.headers["etag"]
    assert [e["action"] for e in await audit_events(client, as_role)] == ["CREATE"]


async def test_update_moving_the_end_before_the_start_is_refused(client, administration):
    created = await create_activity(client, administration)
    url = f"{ACTIVITIES}/{created.json()['id']}"
    response = await client.patch(url, json={"end_date": "2026-12-31"}, headers=administration | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422, "cannot end (2026-12-31) before it starts (2027-01-10)")
    assert pointers(response) == {"#/end_date"}
    assert (await client.get(url, headers=administration)).json() == created.json()


async def test_update_to_an_unknown_status_is_refused(client, unit):
    created = await create_activity(client, unit, owner_org_unit_id=UNIT)
    url = f"{ACTIVITIES}/{created.json()['id']}"
    response = await client.patch(url, json={"status": "FINISHED"}, headers=unit | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422, "configured statuses")
    assert pointers(response) == {"#/status"}
    assert (await client.get(url, headers=unit)).json() == created.json()


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [({"title": None}, "#/title"), ({"focus_area_id": str(uuid.uuid4())}, "#/focus_area_id"), ({"sdgs": [99]}, "#/sdgs/0")],
)
async def test_invalid_activity_update_is_422(client, administration, changes, pointer):
    created = await create_activity(client, administration)
    url = f"{ACTIVITIES}/{created.json()['id']}"
    response = await client.patch(url, json=changes, headers=administration | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422)
    assert pointers(response) == {pointer}
    assert (await client.get(url, headers=administration)).json() == created.json()


async def test_activity_update_preconditions(client, administration):
    created = await create_activity(client, administration)
    url = f"{ACTIVITIES}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"status": "DONE"}, headers=administration), 428, "If-Match")
    first = await client.patch(url, json={"status": "ONGOING"}, headers=administration | {"If-Match": created.headers["etag"]})
    assert_problem(await client.patch(url, json={"status": "DONE"}, headers=administration | {"If-Match": created.headers["etag"]}), 412)
    assert (await client.get(url, headers=administration)).json() == first.json()
    assert_problem(
        await client.patch(f"{ACTIVITIES}/{uuid.uuid4()}", json={"status": "DONE"}, headers=administration | {"If-Match": "*"}), 404
    )


async def test_activity_update_outside_scope_is_refused(client, administration, unit, as_role):
    created = await create_activity(client, administration)
    url = f"{ACTIVITIES}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"status": "DONE"}, headers=unit | {"If-Match": "*"}), 403, "outside your scope")
    moved = await client.patch(url, json={"owner_org_unit_id": OTHER_BOARD}, headers=administration | {"If-Match": "*"})
    assert_problem(moved, 403, f"org unit {OTHER_BOARD}, which is outside your scope")
    assert_problem(
        await client.patch(url, json={"status": "DONE"}, headers=as_role(Role.REVISOR) | {"If-Match": "*"}), 403, type_="role-not-allowed"
    )
    assert_problem(await client.patch(url, json={"status": "DONE"}, headers={"If-Match": "*"}), 401)
    assert (await client.get(url, headers=administration)).json() == created.json()


# --- activities: delete -----------------------------------------------------------------------


async def test_deleting_an_activity_removes_it_and_its_links(client, administration, app, as_role):
    factor = await quality_factor(app)
    created = await create_activity(client, administration, goal_ids=[str((await goal(app)).id)], quality_factor_ids=[str(factor.id)])
    url = f"{ACTIVITIES}/{created.json()['id']}"
    response = await client.delete(url, headers=administration | {"If-Match": created.headers["etag"]})
    assert response.status_code == 204
    assert_problem(await client.get(url, headers=administration), 404)
    assert await listed(client, ACTIVITIES, as_role, quality_factor_id=str(factor.id)) == []
    latest = (await audit_events(client, as_role))[0]
    assert latest["action"] == "DELETE" and latest["before"] == created.json()


async def test_deleting_an_activity_refusals(client, administration, unit):
    created = await create_activity(client, administration)
    url = f"{ACTIVITIES}/{created.json()['id']}"
    assert_problem(await client.delete(url, headers=administration), 428)
    assert_problem(await client.delete(url, headers=unit | {"If-Match": "*"}), 403, "outside your scope")
    assert_problem(await client.delete(url, headers={"If-Match": "*"}), 401)
    assert_problem(await client.delete(f"{ACTIVITIES}/{uuid.uuid4()}", headers=administration | {"If-Match": "*"}), 404)
    assert_problem(await client.delete(f"{ACTIVITIES}/x", headers=administration | {"If-Match": "*"}), 422)
    assert (await client.get(url, headers=administration)).status_code == 200


# --- audit ------------------------------------------------------------------------------------


async def test_activity_and_focus_area_writes_are_audited(client, administration, board, as_role):
    area = await create_focus_area(client, board)
    activity = await create_activity(client, administration, focus_area_id=area.json()["id"])
    await client.patch(f"{FOCUS_AREAS}/{area.json()['id']}", json={"name": "Ny"}, headers=board | {"If-Match": area.headers["etag"]})
    events = await audit_events(client, as_role)
    assert [(e["action"], e["entity_type"]) for e in events] == [("UPDATE", "focus_area"), ("CREATE", "activity"), ("CREATE", "focus_area")]
    assert events[1]["after"] == activity.json() and events[1]["actor_id"] == "user-forvaltning"
    assert events[0]["before"]["name"] == "Digitalisering" and events[0]["after"]["name"] == "Ny"


async def test_refused_activity_writes_leave_no_trace(client, administration, unit, as_role):
    await client.post(ACTIVITIES, json=ACTIVITY, headers=unit)  # 403
    await client.post(ACTIVITIES, json=ACTIVITY | {"end_date": "2020-01-01"}, headers=administration)  # 422
    await client.post(ACTIVITIES, json=ACTIVITY | {"status": "X"}, headers=administration)  # 422
    assert await audit_events(client, as_role) == []
    assert await listed(client, ACTIVITIES, as_role) == []


async def test_operations_declare_their_roles(client, administration):
    paths = (await client.get("/openapi.json", headers=administration)).json()["paths"]
    everyone = [r.value for r in Role]
    for path in (FOCUS_AREAS, f"{FOCUS_AREAS}/{{focus_area_id}}", ACTIVITIES, f"{ACTIVITIES}/{{activity_id}}", STATUSES):
        assert paths[path]["get"]["x-roles"] == everyone, path
    for method, path in (
        ("post", FOCUS_AREAS),
        ("patch", f"{FOCUS_AREAS}/{{focus_area_id}}"),
        ("delete", f"{FOCUS_AREAS}/{{focus_area_id}}"),
    ):
        assert paths[path][method]["x-roles"] == ["namnd", "forvaltning"], (method, path)
    for method, path in (("post", ACTIVITIES), ("patch", f"{ACTIVITIES}/{{activity_id}}"), ("delete", f"{ACTIVITIES}/{{activity_id}}")):
        assert paths[path][method]["x-roles"] == ["namnd", "forvaltning", "enhet"], (method, path)
    assert paths[ACTIVITIES]["get"]["operationId"] == "activities-list-activities"

"""The indicator catalogue (nyckeltalskatalog) and indicators in use by org units for goals and
quality factors (seed: "Målstyrning", "Kvalitetsstyrning")."""

import uuid

import pytest

from services.goals.tests import factories
from services.goals.tests.support.indicators import (
    ADMINISTRATION,
    BOARD,
    INDICATOR,
    INDICATORS,
    OTHER_BOARD,
    SCHOOL,
    USES,
    add_goal,
    audit_events,
    create_indicator,
    create_use,
    everything,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.testing import assert_problem, pointers


@pytest.fixture
def council(as_role):
    return as_role(Role.FULLMAKTIGE)


@pytest.fixture
def board(as_role):
    """The board, with its administration and the school below it in scope."""
    return as_role(Role.NAMND, BOARD, [BOARD, ADMINISTRATION, SCHOOL])


@pytest.fixture
def administration(as_role):
    return as_role(Role.FORVALTNING, ADMINISTRATION, [ADMINISTRATION, SCHOOL])


@pytest.fixture
def unit(as_role):
    return as_role(Role.ENHET, SCHOOL, [SCHOOL])


async def add_quality_factor(app, owner=ADMINISTRATION):
    factor = factories.quality_factor(uuid.UUID(owner))
    await factories.add(app, factor)
    return factor


async def listed(client, headers, url, **params):
    response = await client.get(url, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


# --- catalogue: create --------------------------------------------------------------------


async def test_council_adds_a_kolada_key_figure_to_the_catalogue(client, council):
    response = await client.post(INDICATORS, json=INDICATOR, headers=council)
    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in INDICATOR} == INDICATOR
    assert body["created_by"] == body["updated_by"] == "user-fullmaktige" and body["row_version"] == 1
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert response.headers["location"] == f"{INDICATORS}/{body['id']}"
    fetched = await client.get(response.headers["location"], headers=council)
    assert fetched.json() == body and fetched.headers["etag"] == response.headers["etag"]


async def test_administration_adds_an_internal_key_figure_with_defaults(client, administration):
    minimal = {"name": "Antal avvikelser i hemtjänsten", "unit": "antal", "direction": "LOWER_IS_BETTER", "frequency": "MONTHLY"}
    body = (await client.post(INDICATORS, json=minimal, headers=administration)).json()
    assert body | minimal == body
    assert (body["source"], body["kolada_kpi_id"], body["gender_split"]) == ("INTERNAL", None, False)
    assert (body["definition"], body["sdgs"], body["external_codes"]) == ("", [], {})


async def test_sdgs_are_kept_once_each_in_order(client, council):
    assert (await create_indicator(client, council, sdgs=[10, 4, 10])).json()["sdgs"] == [4, 10]


@pytest.mark.parametrize("role", [Role.NAMND, Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_catalogue_is_written_by_fullmaktige_and_forvaltning_only(client, as_role, role):
    response = await client.post(INDICATORS, json=INDICATOR, headers=as_role(role))
    body = assert_problem(response, 403, type_="role-not-allowed")
    assert body["detail"].endswith("roles: forvaltning, fullmaktige")
    assert await listed(client, as_role(Role.REVISOR), INDICATORS) == []


async def test_kolada_key_figure_without_its_kolada_id_is_refused(client, council):
    response = await client.post(INDICATORS, json=INDICATOR | {"kolada_kpi_id": None}, headers=council)
    assert_problem(response, 422, detail_contains="Kolada names its Kolada id", type_="invalid-input")
    assert pointers(response) == {"#/kolada_kpi_id"}
    assert await listed(client, council, INDICATORS) == []


@pytest.mark.parametrize("kpi", ["15419", "X15419", "N1541", "N154190", "n15419", "N 5419"])
async def test_malformed_kolada_id_is_refused(client, council, kpi):
    response = await client.post(INDICATORS, json=INDICATOR | {"kolada_kpi_id": kpi}, headers=council)
    assert_problem(response, 422, type_="validation-failed")
    assert pointers(response) == {"#/kolada_kpi_id"}


async def test_an_organisational_unit_kolada_id_is_accepted(client, council):
    assert (await create_indicator(client, council, kolada_kpi_id="U23471")).json()["kolada_kpi_id"] == "U23471"


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"name": ""}, "#/name"),
        ({"unit": ""}, "#/unit"),
        ({"direction": "UP"}, "#/direction"),
        ({"frequency": "WEEKLY"}, "#/frequency"),
        ({"source": "SCB"}, "#/source"),
        ({"sdgs": [0]}, "#/sdgs/0"),
        ({"sdgs": [4, 18]}, "#/sdgs/1"),
        ({"gender_split": "maybe"}, "#/gender_split"),
        ({"external_codes": {"stratsys": 42}}, "#/external_codes/stratsys"),
        ({"status": "DECIDED"}, "#/status"),
    ],
)
async def test_invalid_catalogue_fields_are_refused_with_a_pointer(client, council, changes, pointer):
    response = await client.post(INDICATORS, json=INDICATOR | changes, headers=council)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert await listed(client, council, INDICATORS) == []


async def test_empty_body_creates_no_indicator(client, council):
    response = await client.post(INDICATORS, json={}, headers=council)
    assert_problem(response, 422)
    assert {"#/name", "#/unit", "#/direction", "#/frequency"} <= pointers(response)


# --- catalogue: read ----------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
async def test_catalogue_is_readable_by_every_signed_in_role(client, council, as_role, role):
    created = await create_indicator(client, council)
    headers = as_role(role, SCHOOL, [SCHOOL])
    assert [i["id"] for i in await listed(client, headers, INDICATORS)] == [created.json()["id"]]
    assert (await client.get(f"{INDICATORS}/{created.json()['id']}", headers=headers)).status_code == 200


async def test_unknown_indicator_is_404_and_a_malformed_id_422(client, council):
    unknown = uuid.uuid4()
    body = assert_problem(await client.get(f"{INDICATORS}/{unknown}", headers=council), 404, type_="not-found")
    assert str(unknown) in body["detail"]
    response = await client.get(f"{INDICATORS}/not-a-uuid", headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/indicator_id"}


async def test_catalogue_is_listed_by_name_and_filtered(client, council):
    school = await create_indicator(client, council)
    elderly = await create_indicator(
        client, council, name="Äldreomsorg: brukarbedömning helhetssyn", kolada_kpi_id="U21468", sdgs=[3], gender_split=False
    )
    internal = await create_indicator(client, council, name="Andel 100% digitala ärenden", source="INTERNAL", kolada_kpi_id=None, sdgs=[])
    ids = lambda items: [i["id"] for i in items]  # noqa: E731
    assert ids(await listed(client, council, INDICATORS)) == [internal.json()["id"], school.json()["id"], elderly.json()["id"]]
    assert ids(await listed(client, council, INDICATORS, q="äldreOMSORG")) == [elderly.json()["id"]]
    assert ids(await listed(client, council, INDICATORS, q="100%")) == [internal.json()["id"]]
    assert ids(await listed(client, council, INDICATORS, q="behöriga")) == [school.json()["id"]]
    assert ids(await listed(client, council, INDICATORS, source="INTERNAL")) == [internal.json()["id"]]
    assert ids(await listed(client, council, INDICATORS, source="KOLADA")) == [school.json()["id"], elderly.json()["id"]]
    assert ids(await listed(client, council, INDICATORS, kolada_kpi_id="U21468")) == [elderly.json()["id"]]
    assert ids(await listed(client, council, INDICATORS, sdg=4)) == [school.json()["id"]]
    assert ids(await listed(client, council, INDICATORS, sdg=10)) == [school.json()["id"]]
    assert ids(await listed(client, council, INDICATORS, sdg=1)) == []
    assert ids(await listed(client, council, INDICATORS, sdg=3, source="KOLADA")) == [elderly.json()["id"]]


async def test_catalogue_is_paginated_with_a_cursor(client, council):
    for n in range(5):
        await create_indicator(client, council, name=f"Nyckeltal {n}")
    await create_indicator(client, council, name="Nyckeltal 2")  # a name twice: the id keeps the order stable
    names = [i["name"] for i in await everything(client, council, INDICATORS, 2)]
    assert names == sorted(names) and len(names) == 6


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"sdg": 18}, "#/query/sdg"),
        ({"source": "SCB"}, "#/query/source"),
        ({"kolada_kpi_id": "15419"}, "#/query/kolada_kpi_id"),
        ({"q": ""}, "#/query/q"),
        ({"limit": 0}, "#/query/limit"),
        ({"cursor": "eyJ4IjoxfQ"}, "#/query/cursor"),
    ],
)
async def test_invalid_catalogue_filters_are_refused_with_a_pointer(client, council, params, pointer):
    response = await client.get(INDICATORS, params=params, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


# --- catalogue: update and delete ---------------------------------------------------------


async def test_administration_edits_an_entry_with_if_match(client, council, administration):
    created = await create_indicator(client, council)
    url = f"{INDICATORS}/{created.json()['id']}"
    response = await client.patch(
        url, json={"name": "Behöriga till gymnasiet", "sdgs": [4]}, headers=administration | {"If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["sdgs"], body["unit"]) == ("Behöriga till gymnasiet", [4], "%")
    assert body["updated_by"] == "user-forvaltning" and body["row_version"] == 2
    assert response.headers["etag"] == f'"{body["id"]}.2"'
    assert (await client.get(url, headers=council)).json() == body


async def test_an_entry_turns_internal_by_clearing_its_kolada_id(client, council):
    created = await create_indicator(client, council)
    response = await client.patch(
        f"{INDICATORS}/{created.json()['id']}",
        json={"source": "INTERNAL", "kolada_kpi_id": None},
        headers=council | {"If-Match": created.headers["etag"]},
    )
    assert (response.json()["source"], response.json()["kolada_kpi_id"]) == ("INTERNAL", None)


async def test_update_that_changes_nothing_keeps_the_version(client, council, as_role):
    created = await create_indicator(client, council)
    response = await client.patch(
        f"{INDICATORS}/{created.json()['id']}", json={"name": INDICATOR["name"]}, headers=council | {"If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200 and response.headers["etag"] == created.headers["etag"]
    assert [e["action"] for e in await audit_events(client, as_role, entity_id=created.json()["id"])] == ["CREATE"]


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"kolada_kpi_id": None}, "#/kolada_kpi_id"),
        ({"name": None}, "#/name"),
        ({"frequency": "DAILY"}, "#/frequency"),
        ({"id": "x"}, "#/id"),
    ],
)
async def test_invalid_update_is_refused_and_changes_nothing(client, council, changes, pointer):
    created = await create_indicator(client, council)
    url = f"{INDICATORS}/{created.json()['id']}"
    response = await client.patch(url, json=changes, headers=council | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert (await client.get(url, headers=council)).json() == created.json()


async def test_update_without_if_match_is_428_and_with_a_stale_one_412(client, council):
    created = await create_indicator(client, council)
    url = f"{INDICATORS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"name": "x"}, headers=council), 428)
    assert_problem(await client.patch(url, json={"name": "x"}, headers=council | {"If-Match": '"stale.0"'}), 412)
    assert (await client.get(url, headers=council)).json() == created.json()


async def test_update_of_an_unknown_entry_is_404_and_by_a_board_403(client, council, board):
    assert_problem(await client.patch(f"{INDICATORS}/{uuid.uuid4()}", json={"name": "x"}, headers=council | {"If-Match": "*"}), 404)
    created = await create_indicator(client, council)
    url = f"{INDICATORS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"name": "x"}, headers=board | {"If-Match": "*"}), 403, type_="role-not-allowed")
    assert_problem(await client.delete(url, headers=board | {"If-Match": "*"}), 403, type_="role-not-allowed")


async def test_turning_gender_split_off_while_values_by_gender_exist_is_refused(client, app, council, as_role):
    created = await create_indicator(client, council)
    use = await create_use(client, council, created.json()["id"], goal=await add_goal(app))
    values = f"{USES}/{use.json()['id']}"
    await client.put(f"{values}/targets/2027", json={"total": "80"}, headers=council)
    await client.put(f"{values}/outcomes/2027", json={"total": "75"}, headers=council)
    # Totals alone do not hold the split on; a value for women does.
    url = f"{INDICATORS}/{created.json()['id']}"
    off = await client.patch(url, json={"gender_split": False}, headers=council | {"If-Match": created.headers["etag"]})
    assert off.status_code == 200 and off.json()["gender_split"] is False
    on = await client.patch(url, json={"gender_split": True}, headers=council | {"If-Match": off.headers["etag"]})
    assert (await client.put(f"{values}/outcomes/2026", json={"women": "70"}, headers=council)).status_code == 201
    refused = await client.patch(url, json={"gender_split": False}, headers=council | {"If-Match": on.headers["etag"]})
    assert_problem(refused, 409, detail_contains="gender split stays on while values by gender exist", type_="rule-violation")
    assert (await client.get(url, headers=council)).json() == on.json()
    assert [e["action"] for e in await audit_events(client, as_role, entity_id=created.json()["id"])] == ["UPDATE", "UPDATE", "CREATE"]


async def test_frequency_of_an_indicator_with_outcomes_cannot_change(client, app, council):
    created = await create_indicator(client, council)
    url = f"{INDICATORS}/{created.json()['id']}"
    use = await create_use(client, council, created.json()["id"], goal=await add_goal(app))
    quarterly = await client.patch(url, json={"frequency": "QUARTERLY"}, headers=council | {"If-Match": created.headers["etag"]})
    assert quarterly.status_code == 200  # no outcomes yet
    assert (await client.put(f"{USES}/{use.json()['id']}/outcomes/2027-Q1", json={"total": "70"}, headers=council)).status_code == 201
    refused = await client.patch(url, json={"frequency": "YEARLY"}, headers=council | {"If-Match": quarterly.headers["etag"]})
    assert_problem(refused, 409, detail_contains="frequency of an indicator with recorded outcomes cannot change")
    assert (await client.get(url, headers=council)).json()["frequency"] == "QUARTERLY"


async def test_an_unused_entry_is_deleted_with_if_match(client, council, administration):
    created = await create_indicator(client, council)
    url = f"{INDICATORS}/{created.json()['id']}"
    assert_problem(await client.delete(url, headers=administration), 428)
    response = await client.delete(url, headers=administration | {"If-Match": created.headers["etag"]})
    assert response.status_code == 204
    assert_problem(await client.get(url, headers=council), 404)
    assert_problem(await client.delete(url, headers=council | {"If-Match": "*"}), 404)


async def test_an_entry_in_use_is_not_deleted(client, app, council):
    created = await create_indicator(client, council)
    await create_use(client, council, created.json()["id"], goal=await add_goal(app))
    url = f"{INDICATORS}/{created.json()['id']}"
    response = await client.delete(url, headers=council | {"If-Match": created.headers["etag"]})
    assert_problem(response, 409, detail_contains="an indicator in use is kept in the catalogue", type_="rule-violation")
    assert (await client.get(url, headers=council)).status_code == 200


async def test_catalogue_writes_are_audited(client, council, as_role):
    created = await create_indicator(client, council)
    updated = await client.patch(
        f"{INDICATORS}/{created.json()['id']}", json={"unit": "andel"}, headers=council | {"If-Match": created.headers["etag"]}
    )
    await client.delete(f"{INDICATORS}/{created.json()['id']}", headers=council | {"If-Match": updated.headers["etag"]})
    delete, update, create = await audit_events(client, as_role, entity_type="indicator")
    assert (create["action"], create["before"], create["after"]) == ("CREATE", None, created.json())
    assert (update["action"], update["before"]["unit"], update["after"]) == ("UPDATE", "%", updated.json())
    assert (delete["action"], delete["before"], delete["after"]) == ("DELETE", updated.json(), None)
    assert {e["entity_id"] for e in (create, update, delete)} == {created.json()["id"]}


# --- uses: create -------------------------------------------------------------------------


async def test_board_attaches_an_indicator_to_a_goal_by_its_lineage(client, app, council, board):
    indicator = await create_indicator(client, council)
    first = await add_goal(app, status=Status.ARCHIVED)
    amended, _ = factories.goal(uuid.UUID(BOARD))
    amended.lineage_id, amended.revision = first.id, 2
    await factories.add(app, amended)
    response = await client.post(
        USES,
        json={"indicator_id": indicator.json()["id"], "org_unit_id": SCHOOL, "goal_id": str(amended.id), "responsible": "Rektor"},
        headers=board,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["goal_lineage_id"], body["quality_factor_id"], body["org_unit_id"]) == (str(first.id), None, SCHOOL)
    assert (body["indicator_id"], body["responsible"], body["thresholds"], body["latest"]) == (indicator.json()["id"], "Rektor", None, None)
    assert body["created_by"] == "user-namnd" and response.headers["etag"] == f'"{body["id"]}.1"'
    assert response.headers["location"] == f"{USES}/{body['id']}"
    fetched = await client.get(response.headers["location"], headers=board)
    assert fetched.json() == body and fetched.headers["etag"] == response.headers["etag"]


async def test_administration_follows_a_quality_factor_with_its_own_threshold(client, app, council, administration):
    indicator = await create_indicator(client, council)
    factor = await add_quality_factor(app)
    response = await create_use(
        client,
        administration,
        indicator.json()["id"],
        org_unit=ADMINISTRATION,
        quality_factor=factor,
        thresholds={"near_target_share": 0.85},
    )
    body = response.json()
    assert (body["quality_factor_id"], body["goal_lineage_id"], body["thresholds"]) == (str(factor.id), None, {"near_target_share": "0.85"})


@pytest.mark.parametrize("subjects", [(), ("goal", "quality_factor")])
async def test_a_use_follows_exactly_one_goal_or_one_quality_factor(client, app, council, subjects):
    indicator = await create_indicator(client, council)
    body = {"indicator_id": indicator.json()["id"], "org_unit_id": SCHOOL}
    if "goal" in subjects:
        body["goal_id"] = str((await add_goal(app)).id)
    if "quality_factor" in subjects:
        body["quality_factor_id"] = str((await add_quality_factor(app)).id)
    response = await client.post(USES, json=body, headers=council)
    assert_problem(response, 422, detail_contains="exactly one goal or one quality factor", type_="invalid-input")
    assert pointers(response) == {"#/goal_id", "#/quality_factor_id"}
    assert await listed(client, council, USES) == []


@pytest.mark.parametrize("unknown", ["indicator_id", "goal_id", "quality_factor_id"])
async def test_a_use_of_something_unknown_is_refused_with_a_pointer(client, app, council, unknown):
    indicator = await create_indicator(client, council)
    body = {"indicator_id": indicator.json()["id"], "org_unit_id": SCHOOL}
    body |= {"quality_factor_id": str(uuid.uuid4())} if unknown == "quality_factor_id" else {"goal_id": str((await add_goal(app)).id)}
    body[unknown] = str(uuid.uuid4())
    response = await client.post(USES, json=body, headers=council)
    body = assert_problem(response, 422, type_="invalid-input")
    assert pointers(response) == {f"#/{unknown}"}
    assert await listed(client, council, USES) == []


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"org_unit_id": "unit-1"}, "#/org_unit_id"),
        ({"thresholds": {"near_target_share": 1}}, "#/thresholds/near_target_share"),
        ({"thresholds": {"near_target_share": "0"}}, "#/thresholds/near_target_share"),
        ({"thresholds": {"met_share": "0.9"}}, "#/thresholds/met_share"),
        ({"responsible": "x" * 201}, "#/responsible"),
    ],
)
async def test_invalid_use_fields_are_refused_with_a_pointer(client, app, council, changes, pointer):
    indicator = await create_indicator(client, council)
    body = {"indicator_id": indicator.json()["id"], "org_unit_id": SCHOOL, "goal_id": str((await add_goal(app)).id)} | changes
    response = await client.post(USES, json=body, headers=council)
    assert_problem(response, 422)
    assert pointer in pointers(response)


async def test_empty_body_creates_no_use(client, council):
    response = await client.post(USES, json={}, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/indicator_id", "#/org_unit_id"}


async def test_a_use_outside_the_callers_scope_is_refused(client, app, council, as_role):
    indicator = await create_indicator(client, council)
    goal = await add_goal(app)
    other_board = as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])
    body = {"indicator_id": indicator.json()["id"], "org_unit_id": SCHOOL, "goal_id": str(goal.id)}
    response = await client.post(USES, json=body, headers=other_board)
    assert_problem(response, 403, detail_contains="outside your scope", type_="forbidden")
    assert await listed(client, council, USES) == []


@pytest.mark.parametrize("role", [Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_uses_are_written_by_fullmaktige_namnd_and_forvaltning_only(client, app, council, as_role, role):
    indicator = await create_indicator(client, council)
    body = {"indicator_id": indicator.json()["id"], "org_unit_id": SCHOOL, "goal_id": str((await add_goal(app)).id)}
    response = await client.post(USES, json=body, headers=as_role(role, SCHOOL, [SCHOOL]))
    assert_problem(response, 403, detail_contains="forvaltning, fullmaktige, namnd", type_="role-not-allowed")
    assert await listed(client, council, USES) == []


async def test_more_indicators_on_a_goal_than_the_cap_are_refused(client, app, council, as_role):
    cap = app.state.settings.max_indicators_per_goal
    goal = await add_goal(app)
    for n in range(cap):  # across org units: the cap is the goal's
        indicator = await create_indicator(client, council, name=f"Nyckeltal {n}")
        await create_use(client, council, indicator.json()["id"], org_unit=SCHOOL if n % 2 else ADMINISTRATION, goal=goal)
    extra = await create_indicator(client, council, name="Ett nyckeltal för mycket")
    body = {"indicator_id": extra.json()["id"], "org_unit_id": SCHOOL, "goal_id": str(goal.id)}
    response = await client.post(USES, json=body, headers=council)
    problem = assert_problem(response, 409, detail_contains="few indicators per goal", type_="rule-violation")
    assert f"at most {cap} indicators" in problem["detail"]
    assert len(await listed(client, council, USES, goal_id=str(goal.id))) == cap
    assert len(await audit_events(client, as_role, entity_type="indicator_use")) == cap
    other_goal = await add_goal(app)
    assert (await client.post(USES, json=body | {"goal_id": str(other_goal.id)}, headers=council)).status_code == 201


async def test_an_org_unit_follows_an_indicator_once_per_goal(client, app, council):
    indicator = await create_indicator(client, council)
    goal = await add_goal(app)
    await create_use(client, council, indicator.json()["id"], goal=goal)
    body = {"indicator_id": indicator.json()["id"], "org_unit_id": SCHOOL, "goal_id": str(goal.id)}
    assert_problem(await client.post(USES, json=body, headers=council), 409, detail_contains="once per goal or quality factor")
    assert (await client.post(USES, json=body | {"org_unit_id": ADMINISTRATION}, headers=council)).status_code == 201
    assert len(await listed(client, council, USES)) == 2


# --- uses: read ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
async def test_uses_are_readable_by_every_signed_in_role(client, app, council, as_role, role):
    indicator = await create_indicator(client, council)
    use = await create_use(client, council, indicator.json()["id"], goal=await add_goal(app))
    headers = as_role(role, OTHER_BOARD, [OTHER_BOARD])
    assert [u["id"] for u in await listed(client, headers, USES)] == [use.json()["id"]]
    assert (await client.get(f"{USES}/{use.json()['id']}", headers=headers)).json() == use.json()


async def test_unknown_use_is_404_and_a_malformed_id_422(client, council):
    assert_problem(await client.get(f"{USES}/{uuid.uuid4()}", headers=council), 404, type_="not-found")
    response = await client.get(f"{USES}/42", headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/use_id"}


async def test_uses_are_filtered_by_goal_lineage_quality_factor_unit_and_indicator(client, app, council):
    school_kpi = (await create_indicator(client, council)).json()["id"]
    care_kpi = (await create_indicator(client, council, name="Brukarbedömning", kolada_kpi_id="U21468")).json()["id"]
    goal = await add_goal(app)
    amended, _ = factories.goal(uuid.UUID(BOARD), status=Status.DRAFT)
    amended.lineage_id = goal.id
    await factories.add(app, amended)
    factor = await add_quality_factor(app)
    on_goal = (await create_use(client, council, school_kpi, goal=goal)).json()["id"]
    on_factor = (await create_use(client, council, care_kpi, org_unit=ADMINISTRATION, quality_factor=factor)).json()["id"]
    ids = lambda items: [u["id"] for u in items]  # noqa: E731
    assert ids(await listed(client, council, USES, goal_id=str(amended.id))) == [on_goal]
    assert ids(await listed(client, council, USES, goal_id=str(goal.id))) == [on_goal]
    assert ids(await listed(client, council, USES, goal_id=str(uuid.uuid4()))) == []
    assert ids(await listed(client, council, USES, quality_factor_id=str(factor.id))) == [on_factor]
    assert ids(await listed(client, council, USES, org_unit_id=ADMINISTRATION)) == [on_factor]
    assert ids(await listed(client, council, USES, indicator_id=school_kpi)) == [on_goal]
    assert ids(await listed(client, council, USES, indicator_id=care_kpi, org_unit_id=SCHOOL)) == []


async def test_uses_are_paginated_oldest_first(client, app, council):
    goal = await add_goal(app)
    created = []
    for n in range(5):
        indicator = await create_indicator(client, council, name=f"Nyckeltal {n}")
        created.append((await create_use(client, council, indicator.json()["id"], goal=goal)).json()["id"])
    assert [u["id"] for u in await everything(client, council, USES, 2)] == created


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"goal_id": "g-1"}, "#/query/goal_id"),
        ({"org_unit_id": "x"}, "#/query/org_unit_id"),
        ({"cursor": "W10"}, "#/query/cursor"),
        ({"limit": 201}, "#/query/limit"),
    ],
)
async def test_invalid_use_filters_are_refused_with_a_pointer(client, council, params, pointer):
    response = await client.get(USES, params=params, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


# --- uses: update and delete --------------------------------------------------------------


async def test_administration_changes_responsible_and_thresholds_with_if_match(client, app, council, administration):
    indicator = await create_indicator(client, council)
    use = await create_use(client, council, indicator.json()["id"], goal=await add_goal(app))
    url = f"{USES}/{use.json()['id']}"
    changed = await client.patch(
        url,
        json={"responsible": "Förvaltningschef", "thresholds": {"near_target_share": "0.950"}},
        headers=administration | {"If-Match": use.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["responsible"], changed.json()["thresholds"]) == ("Förvaltningschef", {"near_target_share": "0.95"})
    assert changed.headers["etag"] == f'"{use.json()["id"]}.2"' and changed.json()["updated_by"] == "user-forvaltning"
    default = await client.patch(url, json={"thresholds": None}, headers=administration | {"If-Match": changed.headers["etag"]})
    assert (default.json()["responsible"], default.json()["thresholds"]) == ("Förvaltningschef", None)
    assert (await client.get(url, headers=council)).json() == default.json()


async def test_use_update_that_changes_nothing_keeps_the_version(client, app, council):
    indicator = await create_indicator(client, council)
    use = await create_use(client, council, indicator.json()["id"], goal=await add_goal(app), thresholds={"near_target_share": "0.8"})
    same = await client.patch(
        f"{USES}/{use.json()['id']}",
        json={"thresholds": {"near_target_share": "0.80"}},
        headers=council | {"If-Match": use.headers["etag"]},
    )
    assert same.status_code == 200 and same.headers["etag"] == use.headers["etag"]


async def test_use_update_needs_a_current_if_match_scope_and_valid_fields(client, app, council, as_role):
    indicator = await create_indicator(client, council)
    use = await create_use(client, council, indicator.json()["id"], goal=await add_goal(app))
    url = f"{USES}/{use.json()['id']}"
    assert_problem(await client.patch(url, json={"responsible": "x"}, headers=council), 428)
    assert_problem(await client.patch(url, json={"responsible": "x"}, headers=council | {"If-Match": '"stale.9"'}), 412)
    outsider = as_role(Role.FORVALTNING, OTHER_BOARD, [OTHER_BOARD]) | {"If-Match": use.headers["etag"]}
    assert_problem(await client.patch(url, json={"responsible": "x"}, headers=outsider), 403, detail_contains="outside your scope")
    invalid = await client.patch(url, json={"responsible": None}, headers=council | {"If-Match": use.headers["etag"]})
    assert_problem(invalid, 422)
    assert pointers(invalid) == {"#/responsible"}
    moved = await client.patch(url, json={"org_unit_id": OTHER_BOARD}, headers=council | {"If-Match": use.headers["etag"]})
    assert pointers(moved) == {"#/org_unit_id"}
    assert_problem(await client.patch(f"{USES}/{uuid.uuid4()}", json={"responsible": "x"}, headers=council | {"If-Match": "*"}), 404)
    assert (await client.get(url, headers=council)).json() == use.json()


async def test_a_use_without_values_is_deleted_with_if_match(client, app, council, board):
    indicator = await create_indicator(client, council)
    use = await create_use(client, council, indicator.json()["id"], goal=await add_goal(app))
    url = f"{USES}/{use.json()['id']}"
    assert_problem(await client.delete(url, headers=board), 428)
    assert (await client.delete(url, headers=board | {"If-Match": use.headers["etag"]})).status_code == 204
    assert_problem(await client.get(url, headers=council), 404)


async def test_a_use_with_recorded_values_is_kept(client, app, council):
    indicator = await create_indicator(client, council)
    use = await create_use(client, council, indicator.json()["id"], goal=await add_goal(app))
    url = f"{USES}/{use.json()['id']}"
    await client.put(f"{url}/targets/2027", json={"total": "90"}, headers=council)
    response = await client.delete(url, headers=council | {"If-Match": use.headers["etag"]})
    assert_problem(response, 409, detail_contains="with recorded targets or outcomes is kept", type_="rule-violation")
    assert (await client.get(f"{url}/targets", headers=council)).json()["items"][0]["year"] == 2027


async def test_deleting_a_use_outside_scope_or_by_a_unit_is_refused(client, app, council, as_role, unit):
    indicator = await create_indicator(client, council)
    use = await create_use(client, council, indicator.json()["id"], goal=await add_goal(app))
    url = f"{USES}/{use.json()['id']}"
    outsider = as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD]) | {"If-Match": use.headers["etag"]}
    assert_problem(await client.delete(url, headers=outsider), 403, type_="forbidden")
    assert_problem(await client.delete(url, headers=unit | {"If-Match": use.headers["etag"]}), 403, type_="role-not-allowed")
    assert (await client.get(url, headers=council)).status_code == 200


async def test_use_writes_are_audited(client, app, council, board, as_role):
    indicator = await create_indicator(client, council)
    use = await create_use(client, board, indicator.json()["id"], goal=await add_goal(app))
    url = f"{USES}/{use.json()['id']}"
    updated = await client.patch(url, json={"responsible": "Rektor"}, headers=board | {"If-Match": use.headers["etag"]})
    await client.delete(url, headers=board | {"If-Match": updated.headers["etag"]})
    delete, update, create = await audit_events(client, as_role, entity_type="indicator_use")
    expected_create = {k: v for k, v in use.json().items() if k != "latest"}
    assert (create["action"], create["actor_id"], create["after"]) == ("CREATE", "user-namnd", expected_create)
    assert (update["action"], update["before"]["responsible"], update["after"]["responsible"]) == ("UPDATE", "", "Rektor")
    assert (delete["action"], delete["after"]) == ("DELETE", None)
    assert {e["entity_id"] for e in (create, update, delete)} == {use.json()["id"]}


# --- the whole area -----------------------------------------------------------------------


async def test_every_operation_without_an_identity_is_401(client, app):
    operations = [
        (method.upper(), path) for path, item in app.openapi()["paths"].items() if path.startswith((INDICATORS, USES)) for method in item
    ]
    assert len(operations) == 18
    for method, path in operations:
        concrete = path.replace("{indicator_id}", str(uuid.uuid4())).replace("{use_id}", str(uuid.uuid4()))
        concrete = concrete.replace("{year}", "2027").replace("{period}", "2027")
        response = await client.request(method, concrete, json={} if method in ("POST", "PUT", "PATCH") else None)
        assert_problem(response, 401)


async def test_every_operation_declares_roles_and_problem_responses(client, council):
    schema = (await client.get("/openapi.json", headers=council)).json()
    operations = {
        op["operationId"]: op for path, item in schema["paths"].items() if path.startswith((INDICATORS, USES)) for op in item.values()
    }
    roles = {operation_id: set(op["x-roles"]) for operation_id, op in operations.items()}
    everyone = {r.value for r in Role}
    assert roles["indicators-list-indicators"] == roles["indicators-get-indicator-use"] == everyone
    assert roles["indicators-create-indicator"] == roles["indicators-delete-indicator"] == {"fullmaktige", "forvaltning"}
    assert roles["indicators-create-indicator-use"] == roles["indicators-put-indicator-target"] == {"fullmaktige", "namnd", "forvaltning"}
    outcome_writers = {"fullmaktige", "namnd", "forvaltning", "enhet"}
    assert roles["indicators-put-indicator-outcome"] == roles["indicators-delete-indicator-outcome"] == outcome_writers
    for operation_id, operation in operations.items():
        for status in ("401", "403", "422"):
            assert "application/problem+json" in operation["responses"][status]["content"], (operation_id, status)

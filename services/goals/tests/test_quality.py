"""The quality-factor API: critical quality factors per administration and the units below it,
written by the administration and, for their own unit, the units; read by everyone signed in."""

import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from goals_service.activities.models import ActivityQualityFactor
from services.goals.tests import factories
from styrkedjan_common.http import EMBEDDED_MAX
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, assertion_headers, org_unit, pointers

API = "/api/goals/v1"
FACTORS = f"{API}/quality-factors"
AUDIT = f"{API}/audit-events"
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION)
UNIT = org_unit(OrgUnitType.UNIT)
OTHER_ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION)
FACTOR = {"org_unit_id": ADMINISTRATION, "name": "Trygg och säker vård", "description": "Brukarna känner sig trygga."}


@pytest.fixture
def administration(as_role):
    return as_role(Role.FORVALTNING, ADMINISTRATION, [ADMINISTRATION, UNIT])


@pytest.fixture
def unit(as_role):
    return as_role(Role.ENHET, UNIT, [UNIT])


@pytest.fixture
def nobody(keys):
    return assertion_headers(keys, "goals", Principal(user_id="nobody", name="Ingen roll", assignments=()))


async def create(client, headers, **changes):
    response = await client.post(FACTORS, json=FACTOR | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def all_factors(client, as_role):
    response = await client.get(FACTORS, headers=as_role(Role.REVISOR))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def audit_events(client, as_role, **params):
    response = await client.get(AUDIT, params=params, headers=as_role(Role.REVISOR))
    return response.json()["items"]


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


async def key_figure(app, factor_id, name="Andel brukare som känner sig trygga", kolada_kpi_id="U21468"):
    indicator = factories.indicator(name=name, kolada_kpi_id=kolada_kpi_id)
    use = factories.indicator_use(indicator, uuid.UUID(ADMINISTRATION))
    use.quality_factor_id = uuid.UUID(factor_id)
    await factories.add(app, indicator, use)
    return indicator, use


def factory_key_figure(factor_id, name):
    indicator = factories.indicator(name=name, kolada_kpi_id=None)
    use = factories.indicator_use(indicator, uuid.UUID(ADMINISTRATION))
    use.quality_factor_id = uuid.UUID(factor_id)
    return indicator, use


# --- create -------------------------------------------------------------------------------


async def test_administration_creates_a_quality_factor(client, administration, as_role):
    response = await client.post(FACTORS, json=FACTOR, headers=administration)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["org_unit_id"] == ADMINISTRATION and body["name"] == FACTOR["name"]
    assert body["active"] is True and body["key_figures"] == [] and body["row_version"] == 1
    assert body["created_by"] == body["updated_by"] == "user-forvaltning"
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert response.headers["location"] == f"{FACTORS}/{body['id']}"
    fetched = await client.get(response.headers["location"], headers=as_role(Role.ENHET, UNIT, [UNIT]))
    assert fetched.status_code == 200 and fetched.json() == body


async def test_unit_creates_a_quality_factor_for_its_own_unit(client, unit):
    response = await client.post(FACTORS, json=FACTOR | {"org_unit_id": UNIT, "description": ""}, headers=unit)
    assert response.status_code == 201, response.text
    assert response.json()["org_unit_id"] == UNIT and response.json()["created_by"] == "user-enhet"


async def test_unit_cannot_write_its_administrations_quality_factor(client, unit, as_role):
    response = await client.post(FACTORS, json=FACTOR, headers=unit)
    assert_problem(response, 403, f"a quality factor belongs to org unit {ADMINISTRATION}, which is outside your scope", "forbidden")
    assert await all_factors(client, as_role) == []


async def test_write_outside_scope_is_refused_naming_the_unit(client, administration, as_role):
    response = await client.post(FACTORS, json=FACTOR | {"org_unit_id": OTHER_ADMINISTRATION}, headers=administration)
    assert_problem(response, 403, f"org unit {OTHER_ADMINISTRATION}, which is outside your scope", "forbidden")
    assert await all_factors(client, as_role) == []


@pytest.mark.parametrize("role", [Role.FULLMAKTIGE, Role.NAMND, Role.REVISOR, Role.ADMIN])
async def test_roles_outside_the_policy_cannot_create(client, as_role, role):
    response = await client.post(FACTORS, json=FACTOR, headers=as_role(role))
    assert_problem(response, 403, "allowed for the roles: enhet, forvaltning", "role-not-allowed")
    assert await all_factors(client, as_role) == []


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"name": ""}, "#/name"),
        ({"name": "x" * 301}, "#/name"),
        ({"org_unit_id": "förvaltningen"}, "#/org_unit_id"),
        ({"active": "kanske"}, "#/active"),
        ({"key_figures": []}, "#/key_figures"),
    ],
)
async def test_invalid_quality_factor_is_refused_with_a_pointer(client, administration, as_role, changes, pointer):
    response = await client.post(FACTORS, json=FACTOR | changes, headers=administration)
    assert_problem(response, 422, type_="validation-failed")
    assert pointer in pointers(response)
    assert await all_factors(client, as_role) == []


async def test_empty_body_creates_nothing(client, administration, as_role):
    response = await client.post(FACTORS, json={}, headers=administration)
    assert_problem(response, 422)
    assert {"#/org_unit_id", "#/name"} <= pointers(response)
    assert await all_factors(client, as_role) == []


async def test_create_without_an_assertion_is_401(client):
    assert_problem(await client.post(FACTORS, json=FACTOR), 401, type_="invalid-assertion")


# --- reading ------------------------------------------------------------------------------


async def test_read_includes_the_key_figures_naming_the_factor(client, administration, app, as_role):
    factor = (await create(client, administration)).json()
    indicator, use = await key_figure(app, factor["id"])
    response = await client.get(f"{FACTORS}/{factor['id']}", headers=as_role(Role.NAMND, "board", ["board"]))
    assert response.status_code == 200
    assert response.json()["key_figures"] == [
        {"use_id": str(use.id), "indicator_id": str(indicator.id), "indicator_name": indicator.name, "unit": "%", "kolada_kpi_id": "U21468"}
    ]
    assert response.headers["etag"] == f'"{factor["id"]}.1"'


@pytest.mark.parametrize("role", list(Role))
async def test_every_signed_in_role_reads_quality_factors(client, administration, as_role, role):
    factor = (await create(client, administration)).json()
    headers = as_role(role, "elsewhere", ["elsewhere"])
    assert [f["id"] for f in (await client.get(FACTORS, headers=headers)).json()["items"]] == [factor["id"]]
    assert (await client.get(f"{FACTORS}/{factor['id']}", headers=headers)).status_code == 200


async def test_list_is_filtered_by_org_unit_and_active(client, administration, unit, as_role):
    own = (await create(client, administration, name="Kompetent personal")).json()
    retired = (await create(client, administration, name="Kontinuitet", active=False)).json()
    units = (await create(client, unit, org_unit_id=UNIT, name="Trivsel")).json()
    reader = as_role(Role.ENHET, UNIT, [UNIT])

    async def names(**params):
        return [f["id"] for f in (await client.get(FACTORS, params=params, headers=reader)).json()["items"]]

    assert await names() == [own["id"], retired["id"], units["id"]]
    assert await names(org_unit_id=ADMINISTRATION) == [own["id"], retired["id"]]
    assert await names(active="false") == [retired["id"]]
    assert await names(org_unit_id=ADMINISTRATION, active="true") == [own["id"]]
    assert await names(org_unit_id=OTHER_ADMINISTRATION) == []


async def test_list_is_paginated_by_name_with_a_cursor(client, administration):
    created = [(await create(client, administration, name=name)).json()["id"] for name in ("C", "A", "B", "A")]
    seen, cursor = [], None
    while True:
        page = (await client.get(FACTORS, params={"limit": 2} | ({"cursor": cursor} if cursor else {}), headers=administration)).json()
        assert len(page["items"]) <= 2
        seen += [f["name"] for f in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["A", "A", "B", "C"] and len(created) == 4


async def test_list_reads_key_figures_in_one_query_whatever_the_page_size(client, administration, app):
    async def queries_for_a_page():
        with counted_queries(app) as statements:
            assert (await client.get(FACTORS, headers=administration)).status_code == 200
        return len(statements)

    first = (await create(client, administration, name="A")).json()
    await key_figure(app, first["id"])
    one = await queries_for_a_page()
    assert one >= 2, "the page and its key figures"
    for name in ("B", "C", "D", "E"):
        factor = (await create(client, administration, name=name)).json()
        await key_figure(app, factor["id"], name=f"Nyckeltal {name}")
    assert await queries_for_a_page() == one
    page = (await client.get(FACTORS, headers=administration)).json()["items"]
    assert [len(f["key_figures"]) for f in page] == [1, 1, 1, 1, 1]


async def test_a_factor_is_read_with_its_first_key_figures_and_counts_them_all(client, administration, app):
    crowded = (await create(client, administration, name="A")).json()
    rows = [row for n in range(EMBEDDED_MAX + 10) for row in factory_key_figure(crowded["id"], f"Nyckeltal {n:02d}")]
    await factories.add(app, *rows)
    small = (await create(client, administration, name="B")).json()
    await key_figure(app, small["id"])
    read = (await client.get(f"{FACTORS}/{crowded['id']}", headers=administration)).json()
    names = [f["indicator_name"] for f in read["key_figures"]]
    assert (names, read["key_figure_count"]) == ([f"Nyckeltal {n:02d}" for n in range(EMBEDDED_MAX)], EMBEDDED_MAX + 10)
    page = (await client.get(FACTORS, headers=administration)).json()["items"]
    assert [(len(f["key_figures"]), f["key_figure_count"]) for f in page] == [(EMBEDDED_MAX, EMBEDDED_MAX + 10), (1, 1)]
    # All of them are listed among the indicator uses, paged.
    uses = (
        await client.get(f"{API}/indicator-uses", params={"quality_factor_id": crowded["id"], "limit": 200}, headers=administration)
    ).json()
    assert len(uses["items"]) == EMBEDDED_MAX + 10


@pytest.mark.parametrize(
    ("params", "pointer"),
    [({"limit": 0}, "#/query/limit"), ({"org_unit_id": "x"}, "#/query/org_unit_id"), ({"cursor": "W10"}, "#/query/cursor")],
)
async def test_list_with_invalid_parameters_is_422(client, administration, params, pointer):
    response = await client.get(FACTORS, params=params, headers=administration)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


async def test_reads_without_an_assertion_are_401(client, administration):
    factor = (await create(client, administration)).json()
    assert_problem(await client.get(FACTORS), 401)
    assert_problem(await client.get(f"{FACTORS}/{factor['id']}"), 401)


async def test_reads_by_a_caller_without_roles_are_403(client, administration, nobody):
    factor = (await create(client, administration)).json()
    assert_problem(await client.get(FACTORS, headers=nobody), 403, type_="role-not-allowed")
    assert_problem(await client.get(f"{FACTORS}/{factor['id']}", headers=nobody), 403, type_="role-not-allowed")


async def test_get_of_an_unknown_id_is_404(client, administration):
    unknown = uuid.uuid4()
    assert_problem(await client.get(f"{FACTORS}/{unknown}", headers=administration), 404, f"no quality factor {unknown}", "not-found")


async def test_get_of_a_non_uuid_id_is_422(client, administration):
    response = await client.get(f"{FACTORS}/kvalitet", headers=administration)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/factor_id"}


# --- update -------------------------------------------------------------------------------


async def test_update_with_if_match_changes_the_factor(client, administration, unit, as_role):
    created = await create(client, administration)
    url = f"{FACTORS}/{created.json()['id']}"
    response = await client.patch(
        url, json={"name": "Säker vård", "description": ""}, headers=administration | {"If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["description"], body["active"], body["row_version"]) == ("Säker vård", "", True, 2)
    assert response.headers["etag"] == f'"{body["id"]}.2"'
    assert (await client.get(url, headers=unit)).json() == body


async def test_deactivating_a_factor_keeps_it_with_its_key_figures(client, administration, app):
    created = await create(client, administration)
    await key_figure(app, created.json()["id"])
    url = f"{FACTORS}/{created.json()['id']}"
    response = await client.patch(url, json={"active": False}, headers=administration | {"If-Match": created.headers["etag"]})
    assert response.status_code == 200
    assert response.json()["active"] is False and len(response.json()["key_figures"]) == 1


async def test_update_that_changes_nothing_keeps_the_row_version(client, administration, as_role):
    created = await create(client, administration)
    response = await client.patch(
        f"{FACTORS}/{created.json()['id']}", json={"name": FACTOR["name"]}, headers=administration | {"If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200 and response.headers["etag"] == created.headers["etag"]
    assert [e["action"] for e in await audit_events(client, as_role)] == ["CREATE"]


async def test_update_without_if_match_is_428(client, administration):
    created = await create(client, administration)
    url = f"{FACTORS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"name": "Ny"}, headers=administration), 428, "If-Match")
    assert (await client.get(url, headers=administration)).json() == created.json()


async def test_update_with_a_stale_etag_is_412(client, administration):
    created = await create(client, administration)
    url = f"{FACTORS}/{created.json()['id']}"
    first = await client.patch(url, json={"name": "Först"}, headers=administration | {"If-Match": created.headers["etag"]})
    late = await client.patch(url, json={"name": "Sent"}, headers=administration | {"If-Match": created.headers["etag"]})
    assert_problem(late, 412, type_="precondition-failed")
    assert (await client.get(url, headers=administration)).json() == first.json()


async def test_update_of_an_unknown_id_is_404(client, administration):
    assert_problem(await client.patch(f"{FACTORS}/{uuid.uuid4()}", json={"name": "Ny"}, headers=administration | {"If-Match": "*"}), 404)


@pytest.mark.parametrize(
    ("changes", "pointer"), [({"name": None}, "#/name"), ({"name": ""}, "#/name"), ({"active": None}, "#/active"), ({"id": "x"}, "#/id")]
)
async def test_invalid_update_is_422_and_changes_nothing(client, administration, changes, pointer):
    created = await create(client, administration)
    url = f"{FACTORS}/{created.json()['id']}"
    response = await client.patch(url, json=changes, headers=administration | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422)
    assert pointers(response) == {pointer}
    assert (await client.get(url, headers=administration)).json() == created.json()


async def test_unit_cannot_update_its_administrations_factor(client, administration, unit):
    created = await create(client, administration)
    url = f"{FACTORS}/{created.json()['id']}"
    response = await client.patch(url, json={"name": "Ny"}, headers=unit | {"If-Match": created.headers["etag"]})
    assert_problem(response, 403, "outside your scope", "forbidden")
    assert (await client.get(url, headers=unit)).json() == created.json()


async def test_moving_a_factor_outside_scope_is_refused(client, administration):
    created = await create(client, administration)
    url = f"{FACTORS}/{created.json()['id']}"
    response = await client.patch(
        url, json={"org_unit_id": OTHER_ADMINISTRATION}, headers=administration | {"If-Match": created.headers["etag"]}
    )
    assert_problem(response, 403, f"org unit {OTHER_ADMINISTRATION}, which is outside your scope")
    assert (await client.get(url, headers=administration)).json() == created.json()


async def test_update_by_a_role_outside_the_policy_is_403(client, administration, as_role):
    created = await create(client, administration)
    response = await client.patch(f"{FACTORS}/{created.json()['id']}", json={"name": "Ny"}, headers=as_role(Role.NAMND) | {"If-Match": "*"})
    assert_problem(response, 403, type_="role-not-allowed")


async def test_update_without_an_assertion_is_401(client, administration):
    created = await create(client, administration)
    assert_problem(await client.patch(f"{FACTORS}/{created.json()['id']}", json={"name": "Ny"}, headers={"If-Match": "*"}), 401)


# --- delete -------------------------------------------------------------------------------


async def test_deleting_an_unused_factor_removes_it(client, administration, as_role):
    created = await create(client, administration)
    url = f"{FACTORS}/{created.json()['id']}"
    response = await client.delete(url, headers=administration | {"If-Match": created.headers["etag"]})
    assert response.status_code == 204 and response.content == b""
    assert_problem(await client.get(url, headers=administration), 404)
    delete_event = (await audit_events(client, as_role))[0]
    assert delete_event["action"] == "DELETE" and delete_event["before"]["name"] == FACTOR["name"] and delete_event["after"] is None


async def test_deleting_a_factor_named_by_a_key_figure_is_refused(client, administration, app):
    created = await create(client, administration)
    await key_figure(app, created.json()["id"])
    url = f"{FACTORS}/{created.json()['id']}"
    response = await client.delete(url, headers=administration | {"If-Match": created.headers["etag"]})
    assert_problem(response, 409, "a quality factor in use is not deleted: 1 key figure(s) and 0 activity(ies)", "rule-violation")
    assert "deactivate it instead" in response.json()["detail"]
    assert (await client.get(url, headers=administration)).status_code == 200


async def test_deleting_a_factor_linked_to_an_activity_is_refused(client, administration, app):
    created = await create(client, administration)
    activity, _ = factories.activity(uuid.UUID(ADMINISTRATION))
    await factories.add(app, activity, ActivityQualityFactor(activity_id=activity.id, quality_factor_id=uuid.UUID(created.json()["id"])))
    url = f"{FACTORS}/{created.json()['id']}"
    response = await client.delete(url, headers=administration | {"If-Match": created.headers["etag"]})
    assert_problem(response, 409, "0 key figure(s) and 1 activity(ies) refer to it")
    assert (await client.get(url, headers=administration)).json() == created.json()


async def test_deleting_without_if_match_is_428(client, administration):
    created = await create(client, administration)
    assert_problem(await client.delete(f"{FACTORS}/{created.json()['id']}", headers=administration), 428)


async def test_deleting_an_unknown_id_is_404(client, administration):
    assert_problem(await client.delete(f"{FACTORS}/{uuid.uuid4()}", headers=administration | {"If-Match": "*"}), 404)


async def test_deleting_with_a_non_uuid_id_is_422(client, administration):
    assert_problem(await client.delete(f"{FACTORS}/x", headers=administration | {"If-Match": "*"}), 422)


async def test_deleting_outside_scope_is_403(client, administration, as_role):
    created = await create(client, administration)
    other = as_role(Role.FORVALTNING, OTHER_ADMINISTRATION, [OTHER_ADMINISTRATION]) | {"If-Match": created.headers["etag"]}
    assert_problem(await client.delete(f"{FACTORS}/{created.json()['id']}", headers=other), 403, "outside your scope")
    assert len(await all_factors(client, as_role)) == 1


async def test_deleting_without_an_assertion_is_401(client, administration):
    created = await create(client, administration)
    assert_problem(await client.delete(f"{FACTORS}/{created.json()['id']}", headers={"If-Match": "*"}), 401)


# --- audit --------------------------------------------------------------------------------


async def test_writes_are_audited_with_before_and_after(client, administration, as_role):
    created = await create(client, administration)
    factor_id = created.json()["id"]
    updated = await client.patch(
        f"{FACTORS}/{factor_id}", json={"active": False}, headers=administration | {"If-Match": created.headers["etag"]}
    )
    events = await audit_events(client, as_role, entity_type="quality_factor", entity_id=factor_id)
    assert [e["action"] for e in events] == ["UPDATE", "CREATE"]
    update, create_ = events
    assert create_["before"] is None and create_["after"]["name"] == FACTOR["name"] and create_["actor_id"] == "user-forvaltning"
    assert update["before"]["active"] is True and update["after"]["active"] is False
    assert update["after"]["row_version"] == updated.json()["row_version"] == 2


async def test_refused_writes_leave_no_audit_event(client, administration, unit, as_role):
    created = await create(client, administration)
    url = f"{FACTORS}/{created.json()['id']}"
    await client.post(FACTORS, json=FACTOR, headers=unit)  # 403
    await client.patch(url, json={"name": "x"}, headers=administration | {"If-Match": '"stale.0"'})  # 412
    await client.patch(url, json={"name": ""}, headers=administration | {"If-Match": "*"})  # 422
    assert [e["action"] for e in await audit_events(client, as_role)] == ["CREATE"]


async def test_operations_declare_their_roles(client, administration):
    paths = (await client.get("/openapi.json", headers=administration)).json()["paths"]
    writers = ["forvaltning", "enhet"]
    assert paths[FACTORS]["get"]["x-roles"] == paths[f"{FACTORS}/{{factor_id}}"]["get"]["x-roles"] == [r.value for r in Role]
    assert paths[FACTORS]["post"]["x-roles"] == writers
    assert paths[f"{FACTORS}/{{factor_id}}"]["patch"]["x-roles"] == paths[f"{FACTORS}/{{factor_id}}"]["delete"]["x-roles"] == writers
    assert "409" in paths[f"{FACTORS}/{{factor_id}}"]["delete"]["responses"]

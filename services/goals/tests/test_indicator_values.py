"""Targets per year and outcomes per period of an indicator in use, by women and men where the
catalogue splits the key figure, and the latest outcome against its target (status and trend)."""

import uuid

import pytest
from sqlalchemy import event

from services.goals.tests.support.indicators import (
    ADMINISTRATION,
    BOARD,
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
from styrkedjan_common.testing import assert_problem, pointers


@pytest.fixture
def council(as_role):
    return as_role(Role.FULLMAKTIGE)


@pytest.fixture
def board(as_role):
    return as_role(Role.NAMND, BOARD, [BOARD, ADMINISTRATION, SCHOOL])


@pytest.fixture
def administration(as_role):
    return as_role(Role.FORVALTNING, ADMINISTRATION, [ADMINISTRATION, SCHOOL])


@pytest.fixture
def unit(as_role):
    return as_role(Role.ENHET, SCHOOL, [SCHOOL])


async def new_use(client, app, headers, **indicator):
    """A use of a fresh catalogue entry for a board goal, followed at the school; its URL."""
    created = await create_indicator(client, headers, **indicator)
    use = await create_use(client, headers, created.json()["id"], goal=await add_goal(app))
    return f"{USES}/{use.json()['id']}"


@pytest.fixture
async def use(client, app, council):
    return await new_use(client, app, council)


@pytest.fixture
async def total_only(client, app, council):
    """A use of a key figure the catalogue does not split by gender."""
    return await new_use(client, app, council, name="Nettokostnadsavvikelse", gender_split=False, unit="%")


async def put(client, headers, url, **values):
    return await client.put(url, json=values, headers=headers)


# --- targets ------------------------------------------------------------------------------


async def test_administration_sets_a_yearly_target_by_gender(client, use, administration, unit):
    response = await put(client, administration, f"{use}/targets/2027", total="90", women="92.5", men=88, comment="Enligt nämndplan")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["year"], body["total"], body["women"], body["men"], body["comment"]) == (2027, "90", "92.5", "88", "Enligt nämndplan")
    assert body["use_id"] == use.rsplit("/", 1)[1] and body["created_by"] == "user-forvaltning"
    assert response.headers["etag"] == f'"{body["id"]}.1"' and response.headers["location"] == f"{use}/targets/2027"
    fetched = await client.get(f"{use}/targets/2027", headers=unit)
    assert fetched.json() == body and fetched.headers["etag"] == response.headers["etag"]
    assert (await client.get(f"{use}/targets", headers=unit)).json() == {"items": [body], "next_cursor": None}


async def test_replacing_a_target_needs_its_etag(client, use, board):
    created = await put(client, board, f"{use}/targets/2027", total="90")
    url = f"{use}/targets/2027"
    assert_problem(await put(client, board, url, total="95"), 428, type_="precondition-required")
    stale = await client.put(url, json={"total": "95"}, headers=board | {"If-Match": '"stale.1"'})
    assert_problem(stale, 412)
    replaced = await client.put(url, json={"total": "95"}, headers=board | {"If-Match": created.headers["etag"]})
    assert replaced.status_code == 200
    assert (replaced.json()["total"], replaced.json()["comment"], replaced.json()["row_version"]) == ("95", "", 2)
    same = await client.put(url, json={"total": "95.000"}, headers=board | {"If-Match": replaced.headers["etag"]})
    assert same.status_code == 200 and same.headers["etag"] == replaced.headers["etag"]


async def test_a_unit_may_not_write_a_target(client, use, unit):
    response = await put(client, unit, f"{use}/targets/2027", total="90")
    assert_problem(response, 403, detail_contains="forvaltning, fullmaktige, namnd", type_="role-not-allowed")
    assert (await client.get(f"{use}/targets", headers=unit)).json()["items"] == []


async def test_a_target_outside_the_callers_scope_is_refused(client, use, as_role):
    outsider = as_role(Role.FORVALTNING, OTHER_BOARD, [OTHER_BOARD])
    response = await put(client, outsider, f"{use}/targets/2027", total="90")
    assert_problem(response, 403, detail_contains="outside your scope", type_="forbidden")
    assert (await client.get(f"{use}/targets", headers=outsider)).json()["items"] == []


async def test_a_target_by_gender_on_a_key_figure_not_split_is_refused(client, total_only, council, as_role):
    response = await put(client, council, f"{total_only}/targets/2027", total="0", women="1")
    assert_problem(response, 422, detail_contains="values by gender only for gender-split indicators", type_="invalid-input")
    assert pointers(response) == {"#/women"}
    assert (await client.get(f"{total_only}/targets", headers=council)).json()["items"] == []
    assert await audit_events(client, as_role, entity_type="indicator_target") == []
    assert (await put(client, council, f"{total_only}/targets/2027", total="0")).status_code == 201


@pytest.mark.parametrize(
    ("values", "pointer"),
    [
        ({}, "#/total"),
        ({"comment": "bara en kommentar"}, "#/total"),
        ({"total": "ninety"}, "#/total"),
        ({"total": "NaN"}, "#/total"),
        ({"women": "1.1234567"}, "#/women"),
        ({"men": "123456789012345"}, "#/men"),
        ({"total": True}, "#/total"),
        ({"total": "1", "year": 2027}, "#/year"),
    ],
)
async def test_invalid_target_values_are_refused_with_a_pointer(client, use, council, values, pointer):
    response = await client.put(f"{use}/targets/2027", json=values, headers=council)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert (await client.get(f"{use}/targets", headers=council)).json()["items"] == []


@pytest.mark.parametrize("year", ["1999", "2101", "next"])
async def test_a_target_year_out_of_range_is_refused(client, use, council, year):
    response = await put(client, council, f"{use}/targets/{year}", total="1")
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/year"}


async def test_targets_of_an_unknown_use_are_404(client, council):
    unknown = f"{USES}/{uuid.uuid4()}"
    assert_problem(await put(client, council, f"{unknown}/targets/2027", total="1"), 404, type_="not-found")
    assert_problem(await client.get(f"{unknown}/targets", headers=council), 404)
    assert_problem(await client.get(f"{unknown}/targets/2027", headers=council), 404)


async def test_targets_are_listed_by_year_with_a_cursor(client, use, council):
    for year in (2029, 2027, 2030, 2028):
        await put(client, council, f"{use}/targets/{year}", total=str(year - 1940))
    targets = await everything(client, council, f"{use}/targets", 3)
    assert [(t["year"], t["total"]) for t in targets] == [(2027, "87"), (2028, "88"), (2029, "89"), (2030, "90")]
    assert_problem(await client.get(f"{use}/targets/2031", headers=council), 404, detail_contains="no target for 2031")


async def test_a_target_is_deleted_with_its_etag(client, use, administration, unit, council):
    created = await put(client, administration, f"{use}/targets/2027", total="90")
    url = f"{use}/targets/2027"
    assert_problem(await client.delete(url, headers=administration), 428)
    assert_problem(await client.delete(url, headers=unit | {"If-Match": created.headers["etag"]}), 403, type_="role-not-allowed")
    assert (await client.delete(url, headers=administration | {"If-Match": created.headers["etag"]})).status_code == 204
    assert_problem(await client.get(url, headers=council), 404)
    assert_problem(await client.delete(url, headers=council | {"If-Match": "*"}), 404)


# --- outcomes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "period", "year", "index"),
    [
        ("YEARLY", "2027", 2027, 12),
        ("TERTIAL", "2027-T1", 2027, 4),
        ("TERTIAL", "2027-T2", 2027, 8),
        ("TERTIAL", "2028-T3", 2028, 12),
        ("QUARTERLY", "2027-Q1", 2027, 3),
        ("QUARTERLY", "2027-Q4", 2027, 12),
        ("MONTHLY", "2027-01", 2027, 1),
        ("MONTHLY", "2027-12", 2027, 12),
    ],
)
async def test_an_outcome_is_recorded_for_a_period_of_the_indicators_frequency(client, app, council, unit, frequency, period, year, index):
    use = await new_use(client, app, council, frequency=frequency)
    response = await put(client, unit, f"{use}/outcomes/{period}", total=81.5, women="84", men="79", source="Kolada")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["period"], body["year"], body["period_index"]) == (period, year, index)
    assert (body["total"], body["women"], body["men"], body["source"], body["comment"]) == ("81.5", "84", "79", "Kolada", "")
    assert body["created_by"] == "user-enhet" and response.headers["location"] == f"{use}/outcomes/{period}"
    assert (await client.get(f"{use}/outcomes/{period}", headers=council)).json() == body


@pytest.mark.parametrize(
    ("frequency", "period"),
    [
        ("YEARLY", "2027-T1"),
        ("YEARLY", "27"),
        ("YEARLY", "1999"),
        ("TERTIAL", "2027"),
        ("TERTIAL", "2027-T4"),
        ("TERTIAL", "2027-Q1"),
        ("TERTIAL", "2027-t1"),
        ("QUARTERLY", "2027-Q5"),
        ("QUARTERLY", "2027-Q0"),
        ("MONTHLY", "2027-13"),
        ("MONTHLY", "2027-1"),
        ("MONTHLY", "2027-00"),
        ("MONTHLY", "２０２７-01"),
    ],
)
async def test_a_period_that_does_not_fit_the_frequency_is_refused(client, app, council, as_role, frequency, period):
    use = await new_use(client, app, council, frequency=frequency)
    response = await put(client, council, f"{use}/outcomes/{period}", total="80")
    body = assert_problem(response, 422, detail_contains="the period must fit the indicator's frequency", type_="invalid-input")
    assert f"a {frequency} indicator" in body["detail"]
    assert pointers(response) == {"#/path/period"}
    assert (await client.get(f"{use}/outcomes", headers=council)).json()["items"] == []
    assert await audit_events(client, as_role, entity_type="indicator_outcome") == []


async def test_a_unit_records_outcomes_of_its_own_unit_only(client, app, council, as_role):
    created = await create_indicator(client, council)
    goal = await add_goal(app)
    at_school = f"{USES}/{(await create_use(client, council, created.json()['id'], goal=goal)).json()['id']}"
    at_administration = (
        f"{USES}/{(await create_use(client, council, created.json()['id'], goal=goal, org_unit=ADMINISTRATION)).json()['id']}"
    )
    school = as_role(Role.ENHET, SCHOOL, [SCHOOL])
    assert (await put(client, school, f"{at_school}/outcomes/2027", total="80")).status_code == 201
    response = await put(client, school, f"{at_administration}/outcomes/2027", total="80")
    assert_problem(response, 403, detail_contains="outside your scope", type_="forbidden")
    assert (await client.get(f"{at_administration}/outcomes", headers=council)).json()["items"] == []


@pytest.mark.parametrize("role", [Role.REVISOR, Role.ADMIN])
async def test_auditors_and_administrators_record_no_outcomes(client, use, as_role, role):
    response = await put(client, as_role(role), f"{use}/outcomes/2027", total="80")
    assert_problem(response, 403, type_="role-not-allowed")
    assert (await client.get(f"{use}/outcomes", headers=as_role(role))).json()["items"] == []


async def test_an_outcome_by_gender_on_a_key_figure_not_split_is_refused(client, total_only, council, unit, as_role):
    response = await put(client, unit, f"{total_only}/outcomes/2027", total="1.5", women="1.2", men="1.8")
    assert_problem(response, 422, detail_contains="values by gender only for gender-split indicators", type_="invalid-input")
    assert pointers(response) == {"#/women", "#/men"}
    assert (await client.get(f"{total_only}/outcomes", headers=council)).json()["items"] == []
    assert await audit_events(client, as_role, entity_type="indicator_outcome") == []


async def test_a_gender_split_key_figure_may_record_women_and_men_without_a_total(client, use, unit):
    response = await put(client, unit, f"{use}/outcomes/2027", women="84", men="79")
    assert response.status_code == 201 and response.json()["total"] is None


async def test_an_outcome_without_any_value_is_refused(client, use, unit):
    response = await put(client, unit, f"{use}/outcomes/2027", comment="Inget utfall ännu")
    assert_problem(response, 422, detail_contains="at least one of total, women and men")
    assert pointers(response) == {"#/total"}


async def test_replacing_an_outcome_needs_its_etag(client, use, unit, council):
    url = f"{use}/outcomes/2027"
    created = await put(client, unit, url, total="80")
    assert_problem(await put(client, unit, url, total="82"), 428)
    replaced = await client.put(url, json={"total": "82", "comment": "Rättat"}, headers=unit | {"If-Match": created.headers["etag"]})
    assert replaced.status_code == 200 and (replaced.json()["total"], replaced.json()["comment"]) == ("82", "Rättat")
    assert_problem(await client.put(url, json={"total": "83"}, headers=unit | {"If-Match": created.headers["etag"]}), 412)
    assert (await client.get(url, headers=council)).json() == replaced.json()


async def test_outcomes_are_listed_by_period_with_a_cursor(client, app, council):
    use = await new_use(client, app, council, frequency="TERTIAL")
    for period in ("2027-T2", "2026-T3", "2027-T1", "2026-T1", "2026-T2", "2027-T3"):
        assert (await put(client, council, f"{use}/outcomes/{period}", total="50")).status_code == 201
    outcomes = await everything(client, council, f"{use}/outcomes", 4)
    assert [o["period"] for o in outcomes] == ["2026-T1", "2026-T2", "2026-T3", "2027-T1", "2027-T2", "2027-T3"]


async def test_outcomes_of_an_unknown_use_are_404_and_a_bad_cursor_422(client, use, council):
    unknown = f"{USES}/{uuid.uuid4()}"
    assert_problem(await put(client, council, f"{unknown}/outcomes/2027", total="1"), 404)
    assert_problem(await client.get(f"{unknown}/outcomes", headers=council), 404)
    assert_problem(await client.get(f"{use}/outcomes/2027", headers=council), 404, detail_contains="no outcome for 2027")
    response = await client.get(f"{use}/outcomes", params={"cursor": "eyJ5ZWFyIjoiYSJ9"}, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/cursor"}


async def test_an_outcome_is_deleted_with_its_etag(client, use, unit, council):
    url = f"{use}/outcomes/2027"
    created = await put(client, unit, url, total="80")
    assert_problem(await client.delete(url, headers=unit), 428)
    assert (await client.delete(url, headers=unit | {"If-Match": created.headers["etag"]})).status_code == 204
    assert_problem(await client.get(url, headers=council), 404)


async def test_values_writes_are_audited(client, use, council, unit, as_role):
    target = await put(client, council, f"{use}/targets/2027", total="90")
    outcome = await put(client, unit, f"{use}/outcomes/2027", total="80")
    replaced = await client.put(f"{use}/outcomes/2027", json={"total": "81"}, headers=unit | {"If-Match": outcome.headers["etag"]})
    await client.delete(f"{use}/outcomes/2027", headers=unit | {"If-Match": replaced.headers["etag"]})
    (created_target,) = await audit_events(client, as_role, entity_type="indicator_target")
    assert (created_target["action"], created_target["after"]) == ("CREATE", target.json())
    delete, update, create = await audit_events(client, as_role, entity_type="indicator_outcome")
    assert (create["action"], create["actor_id"], create["after"]) == ("CREATE", "user-enhet", outcome.json())
    assert (update["action"], update["before"], update["after"]) == ("UPDATE", outcome.json(), replaced.json())
    assert (delete["action"], delete["before"], delete["after"]) == ("DELETE", replaced.json(), None)


# --- latest outcome against the target ----------------------------------------------------


async def test_latest_outcome_is_assessed_against_its_years_target(client, use, council, unit):
    await put(client, council, f"{use}/targets/2027", total="90")
    await put(client, council, f"{use}/targets/2026", total="70")
    await put(client, unit, f"{use}/outcomes/2026", total="80")
    await put(client, unit, f"{use}/outcomes/2027", total="85", women="88", men="82")
    latest = (await client.get(use, headers=unit)).json()["latest"]
    # 85 is within 90 % of 90 (81): nearly met, and better than the year before.
    assert latest == {
        "period": "2027",
        "total": "85",
        "women": "88",
        "men": "82",
        "target": "90",
        "status": "NEARLY_MET",
        "trend": "IMPROVING",
    }


async def test_a_use_with_a_stricter_threshold_is_assessed_by_it(client, app, council):
    created = await create_indicator(client, council)
    use = await create_use(client, council, created.json()["id"], goal=await add_goal(app), thresholds={"near_target_share": "0.95"})
    url = f"{USES}/{use.json()['id']}"
    await put(client, council, f"{url}/targets/2027", total="90")
    await put(client, council, f"{url}/outcomes/2027", total="85")
    assert (await client.get(url, headers=council)).json()["latest"]["status"] == "NOT_MET"


async def test_a_lower_is_better_key_figure_worsens_when_it_rises(client, app, council):
    use = await new_use(client, app, council, direction="LOWER_IS_BETTER", frequency="QUARTERLY")
    await put(client, council, f"{use}/targets/2027", total="5")
    await put(client, council, f"{use}/outcomes/2027-Q1", total="4")
    await put(client, council, f"{use}/outcomes/2027-Q2", total="6")
    latest = (await client.get(use, headers=council)).json()["latest"]
    assert (latest["period"], latest["target"], latest["status"], latest["trend"]) == ("2027-Q2", "5", "NOT_MET", "WORSENING")


async def test_latest_is_the_most_recent_period_across_years(client, app, council):
    use = await new_use(client, app, council, frequency="TERTIAL")
    await put(client, council, f"{use}/outcomes/2027-T1", total="60")
    await put(client, council, f"{use}/outcomes/2026-T3", total="60")
    await put(client, council, f"{use}/outcomes/2026-T1", total="90")
    await put(client, council, f"{use}/targets/2026", total="60")
    latest = (await client.get(use, headers=council)).json()["latest"]
    assert (latest["period"], latest["target"], latest["status"], latest["trend"]) == ("2027-T1", None, "NO_TARGET", "UNCHANGED")


async def test_a_single_outcome_has_no_trend_and_one_without_total_no_status(client, use, council):
    await put(client, council, f"{use}/targets/2027", total="90")
    await put(client, council, f"{use}/outcomes/2027", women="95", men="91")
    latest = (await client.get(use, headers=council)).json()["latest"]
    assert (latest["total"], latest["women"], latest["target"], latest["status"], latest["trend"]) == (
        None,
        "95",
        "90",
        "NO_OUTCOME",
        "UNKNOWN",
    )


async def test_a_use_without_outcomes_has_no_latest(client, use, council):
    await put(client, council, f"{use}/targets/2027", total="90")
    assert (await client.get(use, headers=council)).json()["latest"] is None


async def test_list_items_carry_their_latest_outcome_in_a_bounded_number_of_queries(client, app, council):
    created = await create_indicator(client, council)
    goal = await add_goal(app)
    statements = []

    def count(*_args):
        statements.append(1)

    async def list_all():
        statements.clear()
        event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
        try:
            items = (await client.get(USES, params={"goal_id": str(goal.id)}, headers=council)).json()["items"]
        finally:
            event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)
        return items, len(statements)

    first = f"{USES}/{(await create_use(client, council, created.json()['id'], goal=goal)).json()['id']}"
    await put(client, council, f"{first}/outcomes/2027", total="80")
    _, queries_for_one = await list_all()
    for n, unit_id in enumerate((ADMINISTRATION, BOARD, OTHER_BOARD)):
        url = f"{USES}/{(await create_use(client, council, created.json()['id'], goal=goal, org_unit=unit_id)).json()['id']}"
        await put(client, council, f"{url}/targets/2027", total="100")
        for year in (2025, 2026, 2027):
            await put(client, council, f"{url}/outcomes/{year}", total=str(90 + n + year - 2027))
    items, queries_for_four = await list_all()
    assert queries_for_four == queries_for_one <= 4
    assert [i["latest"]["total"] for i in items] == ["80", "90", "91", "92"]
    assert [i["latest"]["status"] for i in items] == ["NO_TARGET", "NEARLY_MET", "NEARLY_MET", "NEARLY_MET"]
    assert [i["latest"]["trend"] for i in items] == ["UNKNOWN", "IMPROVING", "IMPROVING", "IMPROVING"]


# --- addressing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "pointer"),
    [
        ("GET", "{use}/targets/twenty", "#/path/year"),
        ("DELETE", "{use}/targets/1999", "#/path/year"),
        ("GET", "{use}/targets?cursor=W10", "#/query/cursor"),
        ("GET", f"{USES}/not-a-uuid/targets", "#/path/use_id"),
        ("GET", "{use}/outcomes/2027-T1-2027-T2", "#/path/period"),
        ("DELETE", "{use}/outcomes/2027-T1-2027-T2", "#/path/period"),
        ("DELETE", f"{USES}/not-a-uuid", "#/path/use_id"),
        ("DELETE", "/api/goals/v1/indicators/not-a-uuid", "#/path/indicator_id"),
    ],
)
async def test_malformed_addresses_are_422_with_a_pointer(client, use, council, method, path, pointer):
    response = await client.request(method, path.format(use=use), headers=council | {"If-Match": "*"})
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


async def test_deleting_what_does_not_exist_is_404(client, use, council):
    headers = council | {"If-Match": "*"}
    assert_problem(await client.delete(f"{USES}/{uuid.uuid4()}", headers=headers), 404)
    assert_problem(await client.delete(f"{USES}/{uuid.uuid4()}/outcomes/2027", headers=headers), 404)
    assert_problem(await client.delete(f"{use}/outcomes/2027", headers=headers), 404, detail_contains="no outcome for 2027")


async def test_deleting_an_outcome_outside_scope_or_by_an_auditor_is_refused(client, use, council, as_role):
    created = await put(client, council, f"{use}/outcomes/2027", total="80")
    url = f"{use}/outcomes/2027"
    other_unit = as_role(Role.ENHET, OTHER_BOARD, [OTHER_BOARD]) | {"If-Match": created.headers["etag"]}
    assert_problem(await client.delete(url, headers=other_unit), 403, detail_contains="outside your scope")
    assert_problem(await client.delete(url, headers=as_role(Role.REVISOR) | {"If-Match": "*"}), 403, type_="role-not-allowed")
    assert (await client.get(url, headers=council)).json() == created.json()

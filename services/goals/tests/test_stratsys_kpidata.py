"""Stratsys's KPI data files (layout 1, row-wise by codes; layout 2, manual by names): outcomes and
targets in, all or nothing with every bad line named, and out again in a file that imports back
unchanged. The fixtures are the municipality's own files (tests/fixtures/stratsys)."""

import datetime as dt
import uuid
from pathlib import Path

import pytest

from goals_service.indicators.models import IndicatorUse
from services.goals.tests import factories
from services.goals.tests.support.indicators import API, USES, add_goal, audit_events, create_indicator, create_use
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, org_unit

pytestmark = pytest.mark.asyncio

FIXTURES = Path(__file__).parent / "fixtures" / "stratsys"
KPIDATA = f"{API}/stratsys/kpidata"
JOBS = f"{API}/jobs"
CSV, TSV = "text/csv", "text/tab-separated-values"
# The demo municipality's units with their Stratsys codes. Valid from 2026: when another module's
# unit carries the same code, the one that started last is found (OrgUnitReplica.by_code).
SINCE = dt.date(2026, 1, 1)
KF = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige", short_name="KF", external_codes={"stratsys": "KF"}, valid_from=SINCE)
KS = org_unit(
    OrgUnitType.EXECUTIVE_BOARD, "Kommunstyrelsen", parent=KF, short_name="KS", external_codes={"stratsys": "KS"}, valid_from=SINCE
)
BUN = org_unit(
    OrgUnitType.BOARD, "Barn- och utbildningsnämnden", parent=KF, short_name="BUN", external_codes={"stratsys": "BUN"}, valid_from=SINCE
)
SN = org_unit(OrgUnitType.BOARD, "Socialnämnden", parent=KF, short_name="SN", external_codes={"stratsys": "SN"}, valid_from=SINCE)
# Two units of one name, both following the same measure: a line naming them is ambiguous.
TWIN_A = org_unit(OrgUnitType.UNIT, "Tvillingenheten", parent=SN, external_codes={"stratsys": "TW-A"}, valid_from=SINCE)
TWIN_B = org_unit(OrgUnitType.UNIT, "Tvillingenheten", parent=SN, external_codes={"stratsys": "TW-B"}, valid_from=SINCE)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def council(as_role):
    return as_role(Role.FULLMAKTIGE, KF)


@pytest.fixture
async def demo(app, client, council):
    """The fixtures' indicators in the catalogue, each followed by its unit for a goal: the URL of each use."""
    specs = {
        "elev": ("Behöriga till yrkesprogram (%)", "KPI-ELEV-BEH", "TERTIAL", True, BUN),
        "nojd": ("Nöjdhet hemtjänst (%)", "KPI-HT-NOJD", "QUARTERLY", False, SN),
        "sjuk": ("Sjukfrånvaro (%)", "KPI-SJUKFRANV", "YEARLY", True, KS),
    }
    uses = {}
    for key, (name, code, frequency, split, unit) in specs.items():
        indicator = await create_indicator(
            client,
            council,
            name=name,
            frequency=frequency,
            gender_split=split,
            source="INTERNAL",
            kolada_kpi_id=None,
            external_codes={"stratsys": code},
        )
        use = await create_use(client, council, indicator.json()["id"], org_unit=unit, goal=await add_goal(app, owner=unit))
        uses[key] = f"{USES}/{use.json()['id']}"
        uses[key + "_indicator"] = indicator.json()["id"]
    return uses


async def send(client, headers, body: bytes, *, layout="rowwise", content_type=None, **params):
    content_type = content_type or (CSV if layout == "rowwise" else TSV)
    return await client.post(KPIDATA, content=body, params={"layout": layout} | params, headers=headers | {"content-type": content_type})


async def values(client, headers, use_url):
    """The use's outcomes (period: total, women, men, row version) and targets (year: ...)."""
    outcomes = (await client.get(f"{use_url}/outcomes", headers=headers)).json()["items"]
    targets = (await client.get(f"{use_url}/targets", headers=headers)).json()["items"]
    return (
        {o["period"]: (o["total"], o["women"], o["men"], o["row_version"]) for o in outcomes},
        {t["year"]: (t["total"], t["women"], t["men"], t["row_version"]) for t in targets},
    )


async def everything(client, headers, demo):
    return {key: await values(client, headers, demo[key]) for key in ("elev", "nojd", "sjuk")}


def counts(job, outcomes, targets):
    return job["counts"] == {
        "indicator_outcome": dict(zip(("created", "updated", "unchanged", "deleted"), (*outcomes, 0), strict=True)),
        "indicator_target": dict(zip(("created", "updated", "unchanged", "deleted"), (*targets, 0), strict=True)),
    }


IMPORTED = {
    "elev": ({"2027-T1": ("84.2", "86.9", "81.7", 1)}, {2027: ("88", None, None, 1)}),
    "nojd": ({"2027-Q3": ("91.5", None, None, 1)}, {2027: ("90", None, None, 1)}),
    "sjuk": ({"2027": ("6.1", "7", "4.3", 1)}, {}),
}


# --- layout 1 -----------------------------------------------------------------------------


async def test_the_rowwise_fixture_imports_and_reads_back_through_the_api(client, council, demo, as_role):
    response = await send(client, council, fixture("kpidata_rowwise.csv"))
    assert response.status_code == 201, response.text
    job = response.json()
    assert response.headers["location"] == f"{JOBS}/{job['id']}"
    assert (job["kind"], job["state"], job["dry_run"], job["lines_read"]) == ("STRATSYS_KPIDATA", "SUCCEEDED", False, 9)
    # T/K/M lines of one period merge into one outcome; MALVARDE is the year's target.
    assert counts(job, (3, 0, 0), (2, 0, 0)), job["counts"]
    assert await everything(client, council, demo) == IMPORTED
    assert (await client.get(f"{JOBS}/{job['id']}", headers=council)).json() == job
    # One audit event for the import, with what it changed; none per value.
    events = await audit_events(client, as_role, entity_type="job")
    assert [(e["action"], e["entity_id"], e["after"]["counts"]) for e in events] == [("IMPORT", job["id"], job["counts"])]
    assert await audit_events(client, as_role, entity_type="indicator_outcome") == []


async def test_the_same_file_again_changes_nothing(client, council, demo):
    first = await send(client, council, fixture("kpidata_rowwise.csv"))
    assert first.status_code == 201
    before = {key: (await client.get(f"{demo[key]}/outcomes", headers=council)).json() for key in ("elev", "nojd", "sjuk")}
    again = await send(client, council, fixture("kpidata_rowwise.csv"))
    assert again.status_code == 200, again.text
    assert again.json()["id"] != first.json()["id"] and "location" not in again.headers
    assert counts(again.json(), (0, 0, 3), (0, 0, 2)), again.json()["counts"]
    # No new row versions, not even a new updated_at.
    assert {key: (await client.get(f"{demo[key]}/outcomes", headers=council)).json() for key in ("elev", "nojd", "sjuk")} == before
    assert await everything(client, council, demo) == IMPORTED


async def test_a_file_merges_into_stored_values_and_keeps_the_components_it_does_not_carry(client, council, demo):
    put = await client.put(f"{demo['elev']}/outcomes/2027-T1", json={"total": "80", "women": "82", "men": "78"}, headers=council)
    assert put.status_code == 201
    body = b"2027-03-15;BUN;KPI-ELEV-BEH;UTFALL;84,2\n2027-02-01;BUN;KPI-ELEV-BEH;UTFALL;\n"
    response = await send(client, council, body)
    assert response.status_code == 201, response.text
    assert counts(response.json(), (0, 1, 0), (0, 0, 0))
    assert "1 line(s) with an empty value skipped" in response.json()["message"]
    outcomes, _ = await values(client, council, demo["elev"])
    assert outcomes == {"2027-T1": ("84.2", "82", "78", 2)}


async def test_the_broken_file_is_refused_with_its_five_errors_and_nothing_changes(client, council, demo):
    response = await send(client, council, fixture("broken_rowwise.csv"))
    problem = assert_problem(response, 422)
    errors = {error["pointer"]: error["detail"] for error in problem["errors"]}
    assert list(errors) == ["#/line/3", "#/line/4", "#/line/5", "#/line/6", "#/line/7"]
    assert "unknown unit 'NOPE'" in errors["#/line/3"]
    assert "unknown KPI 'KPI-DOES-NOT-EXIST'" in errors["#/line/4"]
    assert "date '2027-13-45'" in errors["#/line/5"]
    assert "value 'åttio' is not a number" in errors["#/line/6"]
    assert "duplicate key" in errors["#/line/7"] and "as line 2" in errors["#/line/7"]
    job_url = response.headers["content-location"]
    assert job_url.startswith(JOBS) and job_url.rsplit("/", 1)[1] in problem["detail"]
    job = (await client.get(job_url, headers=council)).json()
    assert (job["state"], job["error_count"], job["errors"]) == ("REFUSED", 5, problem["errors"])
    assert await everything(client, council, demo) == {key: ({}, {}) for key in ("elev", "nojd", "sjuk")}


async def test_each_kind_of_bad_line_is_named_with_its_line(client, council, demo, app):
    body = (
        b"date;unit_code;kpi_code;column_code;value\n"
        b"2027-04-30;SN;KPI-HT-NOJD;UTFALL_K;50\n"  # 2: women on an indicator that is not split
        b"2027-04-30;SN;KPI-ELEV-BEH;UTFALL;50\n"  # 3: SN does not follow it
        b"2027-04-30;BUN;KPI-ELEV-BEH;UTFALL_X;50\n"  # 4: unknown column
        b"2027-04-30;BUN;KPI-ELEV-BEH\n"  # 5: too few fields
        b"2027-04-30;BUN;KPI-ELEV-BEH;UTFALL;1,2345678\n"  # 6: seven decimals
    )
    problem = assert_problem(await send(client, council, body), 422)
    errors = {error["pointer"]: error["detail"] for error in problem["errors"]}
    assert list(errors) == [f"#/line/{n}" for n in range(2, 7)]
    assert "not split by women and men" in errors["#/line/2"]
    assert "Socialnämnden does not follow the indicator" in errors["#/line/3"]
    assert "unknown column_code 'UTFALL_X'" in errors["#/line/4"]
    assert "expected 5 fields" in errors["#/line/5"]
    assert "not a number" in errors["#/line/6"]
    assert await everything(client, council, demo) == {key: ({}, {}) for key in ("elev", "nojd", "sjuk")}


async def test_lines_outside_the_callers_scope_are_refused(client, as_role, council, demo):
    # The social board's unit-level role writes SN's outcomes, but no targets and nothing of BUN or KS.
    social = as_role(Role.ENHET, SN, [SN])
    problem = assert_problem(await send(client, social, fixture("kpidata_rowwise.csv")), 422)
    errors = {error["pointer"]: error["detail"] for error in problem["errors"]}
    assert set(errors) == {"#/line/2", "#/line/3", "#/line/4", "#/line/5", "#/line/7", "#/line/8", "#/line/9", "#/line/10"}
    assert "you do not write the outcomes of Barn- och utbildningsnämnden" in errors["#/line/2"]
    assert "you do not write the targets of Socialnämnden" in errors["#/line/7"]
    assert await everything(client, council, demo) == {key: ({}, {}) for key in ("elev", "nojd", "sjuk")}
    # The auditors do not import at all.
    assert_problem(await send(client, as_role(Role.REVISOR), fixture("kpidata_rowwise.csv")), 403)


async def test_a_dry_run_answers_what_would_change_and_writes_nothing(client, council, demo, as_role):
    response = await send(client, council, fixture("kpidata_rowwise.csv"), dry_run="true")
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["dry_run"] is True and job["state"] == "SUCCEEDED" and "location" not in response.headers
    assert counts(job, (3, 0, 0), (2, 0, 0)), job["counts"]
    assert await everything(client, council, demo) == {key: ({}, {}) for key in ("elev", "nojd", "sjuk")}
    assert await audit_events(client, as_role, entity_type="job") == []
    # A dry run is not "imported before": the real import afterwards creates.
    assert (await send(client, council, fixture("kpidata_rowwise.csv"))).status_code == 201


async def test_a_body_of_another_type_is_refused(client, council, demo):
    assert_problem(await send(client, council, fixture("kpidata_rowwise.csv"), content_type="application/json"), 415)
    assert_problem(await send(client, council, fixture("kpidata_manual.tsv"), layout="manual", content_type=CSV), 415)


# --- layout 2 -----------------------------------------------------------------------------


async def test_the_manual_fixture_imports_totals_by_unit_and_measure_name(client, council, demo):
    response = await send(client, council, fixture("kpidata_manual.tsv"), layout="manual")
    assert response.status_code == 201, response.text
    assert counts(response.json(), (3, 0, 0), (0, 0, 0)), response.json()["counts"]
    assert await everything(client, council, demo) == {
        "elev": ({"2027-T1": ("84.2", None, None, 1)}, {}),
        "nojd": ({"2027-Q3": ("91.5", None, None, 1)}, {}),
        "sjuk": ({"2027": ("6.1", None, None, 1)}, {}),
    }


async def test_a_name_two_units_share_is_ambiguous(client, council, demo, app):
    for twin in (TWIN_A, TWIN_B):
        await create_use(client, council, demo["nojd_indicator"], org_unit=twin, goal=await add_goal(app, owner=SN))
    problem = assert_problem(
        await send(client, council, "Tvillingenheten\t2027-05-31\tNöjdhet hemtjänst (%)\t90\n".encode(), layout="manual"), 422
    )
    assert problem["errors"] == [{"pointer": "#/line/1", "detail": "ambiguous unit 'Tvillingenheten': 2 org units have this name"}]
    # By its code (layout 1) each twin is found.
    assert (await send(client, council, b"2027-05-31;TW-A;KPI-HT-NOJD;UTFALL;90\n")).status_code == 201


# --- round trips --------------------------------------------------------------------------


async def export(client, headers, layout="rowwise", **params):
    response = await client.get(KPIDATA, params={"layout": layout, "year": 2027} | params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(CSV if layout == "rowwise" else TSV)
    return response.content


async def test_rowwise_import_export_import_round_trip(client, council, demo, as_role):
    assert (await send(client, council, fixture("kpidata_rowwise.csv"))).status_code == 201
    exported = await export(client, as_role(Role.REVISOR))
    assert exported.decode().splitlines() == [
        "date;unit_code;kpi_code;column_code;value",
        "2027-04-30;BUN;KPI-ELEV-BEH;UTFALL;84.2",
        "2027-04-30;BUN;KPI-ELEV-BEH;UTFALL_K;86.9",
        "2027-04-30;BUN;KPI-ELEV-BEH;UTFALL_M;81.7",
        "2027-09-30;SN;KPI-HT-NOJD;UTFALL;91.5",
        "2027-12-31;BUN;KPI-ELEV-BEH;MALVARDE;88",
        "2027-12-31;KS;KPI-SJUKFRANV;UTFALL;6.1",
        "2027-12-31;KS;KPI-SJUKFRANV;UTFALL_K;7",
        "2027-12-31;KS;KPI-SJUKFRANV;UTFALL_M;4.3",
        "2027-12-31;SN;KPI-HT-NOJD;MALVARDE;90",
    ]
    again = await send(client, council, exported)
    assert again.status_code == 201 and counts(again.json(), (0, 0, 3), (0, 0, 2)), again.json()
    assert await export(client, council) == exported
    # One unit's values only.
    assert (await export(client, council, org_unit_id=SN)).decode().splitlines()[1:] == [
        "2027-09-30;SN;KPI-HT-NOJD;UTFALL;91.5",
        "2027-12-31;SN;KPI-HT-NOJD;MALVARDE;90",
    ]


async def test_rowwise_export_into_an_empty_system_and_back(client, council, demo, app):
    """Export → import: the export of values entered through the API imports back as they are."""
    await client.put(f"{demo['elev']}/outcomes/2027-T2", json={"total": "70,5", "women": "71"}, headers=council)
    await client.put(f"{demo['nojd']}/targets/2027", json={"total": "95"}, headers=council)
    exported = await export(client, council)
    stored = await everything(client, council, demo)
    again = await send(client, council, exported)
    assert counts(again.json(), (0, 0, 1), (0, 0, 1)), again.json()
    assert await everything(client, council, demo) == stored


async def test_manual_import_export_import_round_trip(client, council, demo):
    assert (await send(client, council, fixture("kpidata_manual.tsv"), layout="manual")).status_code == 201
    exported = await export(client, council, "manual")
    # Each date becomes its period's last day.
    assert exported.decode().splitlines() == [
        "Barn- och utbildningsnämnden\t2027-04-30\tBehöriga till yrkesprogram (%)\t84.2",
        "Kommunstyrelsen\t2027-12-31\tSjukfrånvaro (%)\t6.1",
        "Socialnämnden\t2027-09-30\tNöjdhet hemtjänst (%)\t91.5",
    ]
    again = await send(client, council, exported, layout="manual")
    assert again.status_code == 201 and counts(again.json(), (0, 0, 3), (0, 0, 0)), again.json()
    assert await export(client, council, "manual") == exported


async def test_a_value_lands_on_every_use_of_the_unit_and_is_exported_once(client, council, demo, app):
    """BUN follows the indicator for two goals: the same measure of the same unit is one number."""
    second = await create_use(client, council, demo["elev_indicator"], org_unit=BUN, goal=await add_goal(app, owner=BUN))
    response = await send(client, council, b"2027-04-30;BUN;KPI-ELEV-BEH;UTFALL;84,2\n")
    assert counts(response.json(), (2, 0, 0), (0, 0, 0)), response.json()
    for url in (demo["elev"], f"{USES}/{second.json()['id']}"):
        assert (await values(client, council, url))[0] == {"2027-T1": ("84.2", None, None, 1)}
    assert (await export(client, council)).decode().splitlines()[1:] == ["2027-04-30;BUN;KPI-ELEV-BEH;UTFALL;84.2"]


# --- the JSON API's decimal comma -----------------------------------------------------------


async def test_the_api_takes_a_decimal_comma(client, council, demo):
    response = await client.put(f"{demo['elev']}/outcomes/2027-T1", json={"total": "84,2", "women": "86,95"}, headers=council)
    assert response.status_code == 201, response.text
    assert (response.json()["total"], response.json()["women"]) == ("84.2", "86.95")
    for bad in ("84,2,1", "84,", "1,2345678"):
        refused = await client.put(f"{demo['elev']}/targets/2027", json={"total": bad}, headers=council)
        assert refused.status_code == 422, (bad, refused.text)
    document = (await client.get("/openapi.json", headers=council)).json()
    total = document["components"]["schemas"]["IndicatorOutcomePut"]["properties"]["total"]
    assert {"type": "string", "pattern": r"^-?\d{1,14}([.,]\d{1,6})?$"} in total["anyOf"][0]["anyOf"]


async def test_malformed_files_are_refused_never_a_server_error(client, council, demo):
    for body in (b"", b"\n\n", b"\xff\xfe;;;;\n", b'"unterminated;BUN\n'):
        response = await send(client, council, body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-location"].startswith(JOBS)
    assert uuid.UUID((await send(client, council, b"2027-01-01;BUN;KPI-ELEV-BEH;UTFALL;1\n")).json()["id"])


async def test_a_unit_made_a_moment_ago_is_found_by_its_code(client, council, demo, app):
    """A code is not an id the replica could tell it lacks: the import first brings the directory's news in."""
    fresh = org_unit(OrgUnitType.UNIT, "Nyss skapad enhet", parent=SN, external_codes={"stratsys": "NY-1"}, valid_from=SINCE)
    goal = await add_goal(app, owner=SN)
    use = IndicatorUse(
        id=uuid.uuid4(),
        indicator_id=uuid.UUID(demo["nojd_indicator"]),
        org_unit_id=uuid.UUID(fresh),
        goal_lineage_id=goal.lineage_id,
        responsible="",
        created_by="test",
        updated_by="test",
    )
    await factories.add(app, use)  # straight into the database: nothing has looked the unit up yet
    response = await send(client, council, b"2027-05-31;NY-1;KPI-HT-NOJD;UTFALL;77\n")
    assert response.status_code == 201, response.text
    assert (await values(client, council, f"{USES}/{use.id}"))[0] == {"2027-Q2": ("77", None, None, 1)}

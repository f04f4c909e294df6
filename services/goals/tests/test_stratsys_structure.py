"""Stratsys's structure file (layout 3), the goals service's side: export of a year's chain as CSV or
XLSX, import all or nothing with every bad line listed, the same file twice changing nothing, and
the round trips (the fixture file in and out byte for byte; export → import into an empty system →
export, byte for byte for CSV and cell for cell for XLSX). The follow-up service's part is played
here by a stand-in that keeps the assessments in memory and checks them as the real one does; the
whole system's test (tests/test_stratsys_structure.py) runs both services. On both databases."""

import csv
import datetime as dt
import io
import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook

from goals_service.models import metadata
from goals_service.stratsys.structure_followup import Assessment, Counts, Imported, YearAssessments
from services.goals.tests.support.organisation import BOARD
from styrkedjan_common.identity import Role
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.problems import InvalidInput
from styrkedjan_common.testing import org_unit, truncate_all

API = "/api/goals/v1"
STRUCTURE = f"{API}/stratsys/structure"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXTURE = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "stratsys" / "scorecard_export.csv"
# The fixture's org units, by their Stratsys codes (started later than the suite's other units, so
# that a code another module also gives a unit finds these: the one that started last).
LATER = dt.date(2001, 1, 1)
KF = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige", external_codes={"stratsys": "KF"}, valid_from=LATER)
BUN = org_unit(OrgUnitType.BOARD, "Barn- och utbildningsnämnden", parent=KF, external_codes={"stratsys": "BUN"}, valid_from=LATER)
BUF = org_unit(
    OrgUnitType.ADMINISTRATION, "Barn- och utbildningsförvaltningen", parent=BUN, external_codes={"stratsys": "BUF"}, valid_from=LATER
)
SN = org_unit(OrgUnitType.BOARD, "Socialnämnden", parent=KF, external_codes={"stratsys": "SN"}, valid_from=LATER)
HEADER = "scorecard;column;column_index;node_type;node_code;node_name;parent_code;unit_code;unit_name;perspective;status;comment;period;start_date;end_date;responsible"
SCALE = {"UPPFYLLT", "DELVIS_UPPFYLLT", "EJ_UPPFYLLT"}


class FollowupStandIn:
    """The follow-up service's two operations for the structure file, in memory."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str, str], dict[str, str]] = {}
        self.calls: list[bool] = []

    async def year(self, year: int) -> YearAssessments:
        items = [
            Assessment(
                goal_id=uuid.UUID(goal),
                org_unit_id=uuid.UUID(unit),
                occasion=FollowupOccasion(occasion),
                period_end=FollowupOccasion(occasion).period_end(year),
                level_code=a["level_code"],
                analysis=a["analysis"],
            )
            for (goal, unit, occasion), a in self.kept.items()
        ]
        return YearAssessments(year=year, items=items)

    async def import_year(self, year: int, assessments: list[dict], *, dry_run: bool) -> Imported:
        self.calls.append(dry_run)
        errors = [
            {"pointer": f"#/line/{a['line']}", "detail": f"{a['level_code']} is not on the assessment scale"}
            for a in assessments
            if a["level_code"] not in SCALE
        ]
        if errors:
            raise InvalidInput("refused", errors=errors)
        counts = Counts()
        for a in assessments:
            key = (a["goal_id"], a["org_unit_id"], a["occasion"])
            value = {"level_code": a["level_code"], "analysis": a["analysis"]}
            found = self.kept.get(key)
            change = "created" if found is None else "unchanged" if found == value else "updated"
            setattr(counts, change, getattr(counts, change) + 1)
            if not dry_run:
                self.kept[key] = value
        return Imported(dry_run=dry_run, counts={"goal_assessment": counts})

    async def close(self) -> None:
        pass


@pytest.fixture
def followup(app):
    stand_in = FollowupStandIn()
    app.state.followup_assessments = stand_in
    yield stand_in
    app.state.followup_assessments = None


@pytest.fixture
def importer(as_role):
    return as_role(Role.FULLMAKTIGE, KF)


def line(*cells: str) -> str:
    return ";".join(cells)


def chain(*rows: str, year: int = 2027) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode().replace(b"{card}", f"Mål och budget {year}".encode())


VISION = "{card};Vision;0;Goal;V1;Hallstahammar - en attraktiv kommun att leva och verka i;;KF;Kommunfullmäktige;;;;;;;"


async def post(client, headers, body: bytes, content_type: str = CSV, dry_run: bool | None = None):
    params = {} if dry_run is None else {"dry_run": str(dry_run).lower()}
    return await client.post(STRUCTURE, content=body, headers=headers | {"content-type": content_type}, params=params)


async def export(client, headers, year: int = 2027, fmt: str | None = None):
    response = await client.get(f"{STRUCTURE}/{year}", headers=headers, params={"format": fmt} if fmt else {})
    assert response.status_code == 200, response.text
    return response


def cells(body: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(body), read_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


async def test_the_fixture_file_imports_into_an_empty_system_and_exports_back_byte_for_byte(client, importer, followup):
    fixture = FIXTURE.read_bytes()
    response = await post(client, importer, fixture)
    assert response.status_code == 201, response.text
    job = response.json()
    assert response.headers["location"] == f"{API}/jobs/{job['id']}"
    assert job["state"] == "SUCCEEDED" and job["kind"] == "STRATSYS_STRUCTURE" and job["lines_read"] == 5
    created = {kind: counts["created"] for kind, counts in job["counts"].items()}
    assert created == {
        "vision": 1,
        "mandate_period": 1,
        "goal": 2,
        "indicator": 1,
        "indicator_use": 1,
        "activity": 1,
        "goal_assessment": 1,
    }
    exported = await export(client, importer)
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"] == 'attachment; filename="stratsys-struktur-2027.csv"'
    assert exported.content == fixture
    # The imported goals are the adopted plan: decided, of the year, the municipal one in the term holding it.
    goals = (await client.get(f"{API}/goals", headers=importer, params={"external_code": "stratsys:KF-M1"})).json()["items"]
    assert [(g["status"], g["start_year"], g["end_year"], g["decision"]["body"]) for g in goals] == [
        ("DECIDED", 2027, 2027, "Stratsys-import")
    ]
    period = (await client.get(f"{API}/mandate-periods/{goals[0]['mandate_period_id']}", headers=importer)).json()
    assert (period["start_year"], period["end_year"]) == (2027, 2030)

    # The same file again changes nothing: everything unchanged, answered 200.
    again = await post(client, importer, fixture)
    assert again.status_code == 200, again.text
    counts = again.json()["counts"]
    assert all(c["created"] == c["updated"] == 0 for c in counts.values()) and counts["goal"]["unchanged"] == 2
    assert (await export(client, importer)).content == fixture


async def test_a_dry_run_counts_what_the_file_would_do_and_writes_nothing(client, importer, followup):
    response = await post(client, importer, FIXTURE.read_bytes(), dry_run=True)
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["dry_run"] is True and job["counts"]["goal"]["created"] == 2 and job["counts"]["goal_assessment"]["created"] == 1
    assert followup.kept == {} and followup.calls == [True]
    assert (await export(client, importer)).content == (HEADER + "\n").encode()


async def test_export_import_export_gives_the_same_file_csv_and_xlsx(client, app, importer, followup):
    rows = [
        VISION,
        "{card};Kommunövergripande mål;1;Goal;KF-M1;Fler elever ska klara skolan;V1;KF;Kommunfullmäktige;OPERATIONS;;;;;;",
        "{card};Kommunövergripande mål;1;Goal;KF-M2;En god ekonomi;V1;KF;Kommunfullmäktige;FINANCE;;;;;;",
        "{card};Nämndmål;2;Goal;BUN-M1;Ökad andel behöriga;KF-M1;BUN;Barn- och utbildningsnämnden;OPERATIONS;UPPFYLLT;Bra;2027-04-30;;;",
        '{card};Nämndmål;2;Goal;BUN-M1;Ökad andel behöriga;KF-M1;BUN;Barn- och utbildningsnämnden;OPERATIONS;DELVIS;"Två rader;\nmed ""citat""";2027-08-31;;;',
        "{card};Mätetal;4;Kpi;KPI-A;Andel behöriga (%);BUN-M1;BUN;Barn- och utbildningsnämnden;OPERATIONS;;;;;;Rektor",
        "{card};Mätetal;4;Kpi;KPI-A;Andel behöriga (%);BUN-M1;BUF;Barn- och utbildningsförvaltningen;OPERATIONS;;;;;;",
        "{card};Aktivitet;5;Activity;BUN-A1;Läsfrämjande;BUN-M1;BUF;Barn- och utbildningsförvaltningen;OPERATIONS;PAGAENDE;Går enligt plan;2027-08-31;2027-01-15;2027-12-15;Förvaltningschef",
        "{card};Verksamhetsmål;3;Goal;BUF-M1;Fler läser;BUN-M1;BUF;Barn- och utbildningsförvaltningen;OPERATIONS;;;;;;",
        "{card};Nämndmål;2;Goal;SN-M1;Ekonomi i balans;KF-M2;SN;Socialnämnden;FINANCE;EJ_UPPFYLLT;;2027-12-31;;;",
        "{card};Aktivitet;5;Activity;SN-A1;Budgetuppföljning;SN-M1;SN;Socialnämnden;FINANCE;AVSLUTAD;;2027-12-31;2027-02-01;2027-11-30;",
    ]
    first = await post(client, importer, chain(*rows))
    assert first.status_code == 201, first.text
    csv_once = (await export(client, importer)).content
    xlsx_once = (await export(client, importer, fmt="xlsx")).content
    assert csv_once.startswith((HEADER + "\n").encode())
    # Depth first from the vision, children by column then code, a goal's rows by period.
    codes = [row[4] for row in list(csv.reader(io.StringIO(csv_once.decode()), delimiter=";"))[1:]]
    assert codes[:9] == ["V1", "KF-M1", "BUN-M1", "BUN-M1", "BUF-M1", "KPI-A", "KPI-A", "BUN-A1", "KF-M2"]

    for body, content_type, fmt in ((csv_once, CSV, None), (xlsx_once, XLSX, "xlsx")):
        await truncate_all(app.state.engine, metadata)
        followup.kept.clear()
        answer = await post(client, importer, body, content_type)
        assert answer.status_code == 201, answer.text
        assert all(c["updated"] == c["unchanged"] == 0 for c in answer.json()["counts"].values())
        again = (await export(client, importer, fmt=fmt)).content
        if fmt is None:
            assert again == csv_once
        else:
            assert cells(again) == cells(xlsx_once)
            assert (await export(client, importer)).content == csv_once


async def test_a_changed_file_updates_what_it_changes_and_leaves_the_rest(client, importer, followup):
    assert (await post(client, importer, FIXTURE.read_bytes())).status_code == 201
    changed = (
        FIXTURE.read_bytes().replace(b"Fler elever ska klara skolan", b"Alla elever ska klara skolan").replace(b";DELVIS;", b";UPPFYLLT;")
    )
    response = await post(client, importer, changed)
    assert response.status_code == 201, response.text
    counts = response.json()["counts"]
    assert (counts["goal"]["updated"], counts["goal"]["unchanged"], counts["goal_assessment"]["updated"]) == (1, 1, 1)
    assert (await export(client, importer)).content == changed
    # The amended municipal goal: a new decided revision; the one it replaces archived.
    revisions = (
        await client.get(f"{API}/goals", headers=importer, params={"external_code": "stratsys:KF-M1", "status": "ARCHIVED"})
    ).json()
    assert [g["title"] for g in revisions["items"]] == ["Fler elever ska klara skolan"]


BAD_LINES = [
    # (the line as written, the error's beginning)
    ("{card};Nämndmål;2;Goal;BUN-M9;Okänd enhet;KF-M1;NOPE;Ingen;OPERATIONS;;;;;;", "unit_code: no org unit"),
    ("{card};Nämndmål;2;Goal;BUN-M8;Fel datum;KF-M1;BUN;Barn- och utbildningsnämnden;OPERATIONS;DELVIS;;2027-06-31;;;", "period:"),
    ("{card};Nämndmål;2;Goal;BUN-M7;Okänd nivå;KF-M1;BUN;Barn- och utbildningsnämnden;OPERATIONS;GRON;;2027-08-31;;;", "status:"),
    ("{card};Nämndmål;2;Goal;BUN-M6;Okänd förälder;KF-M9;BUN;Barn- och utbildningsnämnden;OPERATIONS;;;;;;", "parent_code:"),
    ("{card};Nämndmål;2;Goal;BUN-M5;Fel perspektiv;KF-M1;BUN;Barn- och utbildningsnämnden;PEOPLE;;;;;;", "perspective:"),
    ("{card};Nämndmål;2;Kpi;BUN-M4;Fel nodtyp;KF-M1;BUN;Barn- och utbildningsnämnden;OPERATIONS;;;;;;", "node_type:"),
    (
        "{card};Aktivitet;4;Activity;BUN-A9;Fel datum;KF-M1;BUF;Barn- och utbildningsförvaltningen;OPERATIONS;PAGAENDE;;;2027-13-01;2027-12-15;",
        "start_date:",
    ),
    ("{card};Mätetal;3;Kpi;KPI-X;Med status;KF-M1;BUN;Barn- och utbildningsnämnden;OPERATIONS;DELVIS;;;;;", "status:"),
    ("{card};Nämndmål;2;Goal;BUN-M1;Dubblett;KF-M1;BUN;Barn- och utbildningsnämnden;OPERATIONS;;;;;;", "node_code:"),
    ("{card};Nämndmål;7;Goal;BUN-M3;Fel index;KF-M1;BUN;Barn- och utbildningsnämnden;OPERATIONS;;;;;;", "column_index:"),
    ("{card};Nämndmål;2;Goal;BUN-M2;För få celler", "a line has 16 cells"),
    ("Mål och budget 2026;Nämndmål;2;Goal;BUN-M0;Annat år;KF-M1;BUN;Barn- och utbildningsnämnden;OPERATIONS;;;;;;", "scorecard:"),
    ("{card};Verksamhetsmål;3;Goal;BUF-M1;Runt;BUF-M2;BUF;Barn- och utbildningsförvaltningen;OPERATIONS;;;;;;", "parent_code:"),
    ("{card};Verksamhetsmål;3;Goal;BUF-M2;Runt;BUF-M1;BUF;Barn- och utbildningsförvaltningen;OPERATIONS;;;;;;", "parent_code:"),
]


async def test_a_file_with_bad_lines_is_refused_whole_every_line_listed_and_nothing_changes(client, importer, followup):
    base = [
        VISION,
        "{card};Kommunövergripande mål;1;Goal;KF-M1;Fler elever ska klara skolan;V1;KF;Kommunfullmäktige;OPERATIONS;;;;;;",
        "{card};Nämndmål;2;Goal;BUN-M1;Ökad andel behöriga;KF-M1;BUN;Barn- och utbildningsnämnden;OPERATIONS;;;;;;",
    ]
    good = chain(*base)
    assert (await post(client, importer, good)).status_code == 201
    before = (await export(client, importer)).content
    body = chain(*base, *(bad for bad, _ in BAD_LINES))
    response = await post(client, importer, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    found = {}
    for error in problem["errors"]:
        found.setdefault(int(error["pointer"].removeprefix("#/line/")), []).append(error["detail"])
    for number, (_, expected) in enumerate(BAD_LINES, start=len(base) + 2):
        assert any(detail.startswith(expected) for detail in found.get(number, [])), (number, expected, found.get(number))
    assert set(found) == set(range(len(base) + 2, len(base) + 2 + len(BAD_LINES)))
    assert response.headers["content-location"] == f"{API}/jobs/{problem['job_id']}"
    job = (await client.get(f"{API}/jobs/{problem['job_id']}", headers=importer)).json()
    assert job["state"] == "REFUSED" and job["error_count"] == len(problem["errors"])
    assert (await export(client, importer)).content == before
    assert False not in followup.calls  # the follow-up service wrote nothing


async def test_a_level_the_follow_up_refuses_refuses_the_file_with_its_line(client, importer, followup, app):
    app.state.settings.stratsys_assessment_levels["NY"] = "NOT_ON_THE_SCALE"
    try:
        body = FIXTURE.read_bytes().replace(b";DELVIS;", b";NY;")
        response = await post(client, importer, body)
    finally:
        del app.state.settings.stratsys_assessment_levels["NY"]
    assert response.status_code == 422, response.text
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/line/4"]
    assert (await export(client, importer)).content == (HEADER + "\n").encode()
    assert followup.kept == {}


async def test_the_rules_stand_the_municipal_goal_cap_and_indicators_per_goal(client, importer, followup):
    goals = [f"{{card}};Kommunövergripande mål;1;Goal;KF-M{i};Mål {i};V1;KF;Kommunfullmäktige;OPERATIONS;;;;;;" for i in range(1, 7)]
    kpis = [f"{{card}};Mätetal;2;Kpi;KPI-{i};Mätetal {i};KF-M1;KF;Kommunfullmäktige;OPERATIONS;;;;;;" for i in range(1, 7)]
    response = await post(client, importer, chain(VISION, *goals, *kpis))
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["pointer"] for e in errors] == ["#/line/8", "#/line/14"]
    assert "at most 5 municipal goals" in errors[0]["detail"] and "at most 5 indicators per goal" in errors[1]["detail"]


async def test_only_the_council_or_admin_with_the_whole_municipality_imports(client, as_role, followup):
    for headers in (as_role(Role.NAMND, BOARD, [BOARD]), as_role(Role.FULLMAKTIGE, KF, [KF])):
        response = await post(client, headers, FIXTURE.read_bytes())
        assert response.status_code == 403, response.text
    assert (await post(client, as_role(Role.ADMIN), FIXTURE.read_bytes(), dry_run=True)).status_code == 200


async def test_a_body_of_another_kind_is_refused(client, importer, followup):
    response = await post(client, importer, b"{}", content_type="application/json")
    assert response.status_code == 415
    response = await post(client, importer, b"not a workbook", content_type=XLSX)
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "#/line/1"
    response = await post(client, importer, b"a;b\n1;2\n")
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "#/line/1"


async def test_a_code_names_the_goal_of_the_scorecards_year_the_same_code_of_another_year_is_another(client, importer, followup):
    """As the demo's goals of this term carry the fixture's codes: next year's file creates its goals beside them."""
    fixture = FIXTURE.read_bytes()
    earlier = fixture.replace(b"2027", b"2026")
    assert (await post(client, importer, earlier)).status_code == 201
    response = await post(client, importer, fixture)
    assert response.status_code == 201, response.text
    counts = response.json()["counts"]
    assert (counts["goal"]["created"], counts["activity"]["created"], counts["indicator"]["unchanged"], counts["vision"]["unchanged"]) == (
        2,
        1,
        1,
        1,
    )
    assert (await export(client, importer, 2026)).content == earlier
    assert (await export(client, importer, 2027)).content == fixture
    periods = (await client.get(f"{API}/mandate-periods", headers=importer)).json()["items"]
    assert [(p["start_year"], p["end_year"]) for p in periods] == [(2023, 2026), (2027, 2030)]

"""Stratsys's structure file (layout 3) through the gateway, in a whole system of its own with the demo
organisation (whose units carry their short names as Stratsys codes): the fixture file imports into
the empty system and exports back byte for byte, its assessment landing in the follow-up service's
report; the same file twice changes nothing; a refused file changes nothing in either service; and a
year's export imported into another empty system exports the same file again, byte for byte as CSV
and cell for cell as XLSX."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.conftest import System, running_system

GOALS = "/api/goals/v1"
FOLLOWUP = "/api/followup/v1"
STRUCTURE = f"{GOALS}/stratsys/structure"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXTURE = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "stratsys" / "scorecard_export.csv"
HEADER = "scorecard;column;column_index;node_type;node_code;node_name;parent_code;unit_code;unit_name;perspective;status;comment;period;start_date;end_date;responsible"
# A richer year beside the fixture's: a unit goal, a goal assessed at two follow-ups (its comment
# over two lines, with ';' and quotes), one indicator followed by two units, two activities.
RICH = (
    "\n".join(
        [
            HEADER,
            "Mål och budget 2028;Vision;0;Goal;V1;Hallstahammar - en attraktiv kommun att leva och verka i;;KF;Kommunfullmäktige;;;;;;;",
            "Mål och budget 2028;Kommunövergripande mål;1;Goal;KF-M2;En god ekonomisk hushållning;V1;KF;Kommunfullmäktige;FINANCE;;;;;;",
            "Mål och budget 2028;Nämndmål;2;Goal;SN-M1;Ekonomi i balans;KF-M2;SN;Socialnämnden;FINANCE;UPPFYLLT;Prognos i balans;2028-04-30;;;",
            'Mål och budget 2028;Nämndmål;2;Goal;SN-M1;Ekonomi i balans;KF-M2;SN;Socialnämnden;FINANCE;DELVIS;"Underskott i hemtjänsten;\nåtgärder ""pågår""";2028-08-31;;;',
            "Mål och budget 2028;Verksamhetsmål;3;Goal;SN-V1;Färre placeringar;SN-M1;SOF;Socialförvaltningen;FINANCE;;;;;;",
            "Mål och budget 2028;Mätetal;4;Kpi;KPI-NETTO;Nettokostnadsavvikelse (%);SN-M1;SN;Socialnämnden;FINANCE;;;;;;Ekonomichef",
            "Mål och budget 2028;Aktivitet;5;Activity;SN-A1;Månadsvis uppföljning;SN-M1;SN;Socialnämnden;FINANCE;PAGAENDE;Enligt plan;2028-08-31;2028-01-01;2028-12-31;Ekonomichef",
        ]
    ).encode()
    + b"\n"
)


@pytest.fixture(scope="module")
def kf(own_system: System):
    with own_system.client("kf.demo") as http:
        yield http


def post(http: httpx.Client, body: bytes, content_type: str = CSV, **params: Any) -> httpx.Response:
    return http.post(STRUCTURE, content=body, headers={"content-type": content_type}, params=params)


def export(http: httpx.Client, year: int, fmt: str = "csv") -> bytes:
    response = http.get(f"{STRUCTURE}/{year}", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response.content


def cells(body: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(body), read_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def assessments(http: httpx.Client, year: int) -> list[tuple[str, str, str]]:
    """(occasion, level, analysis) of every assessment in the year's reports."""
    found = []
    reports = http.get(f"{FOLLOWUP}/reports", params={"year": year, "limit": 100})
    assert reports.status_code == 200, reports.text
    for report in reports.json()["items"]:
        for a in report.get("assessments", []):
            found.append((report["occasion"], a["level_code"], a["analysis"]))
    return sorted(found)


def test_the_fixture_imports_into_the_empty_system_and_exports_back_byte_for_byte(kf: httpx.Client) -> None:
    fixture = FIXTURE.read_bytes()
    dry = post(kf, fixture, dry_run="true")
    assert dry.status_code == 200, dry.text
    assert export(kf, 2027) == (HEADER + "\n").encode() and assessments(kf, 2027) == []

    response = post(kf, fixture)
    assert response.status_code == 201, response.text
    job = response.json()
    assert job["state"] == "SUCCEEDED" and job["counts"]["goal_assessment"]["created"] == 1
    assert kf.get(response.headers["location"]).json()["id"] == job["id"]
    assert export(kf, 2027) == fixture
    # The assessment is the follow-up service's: in the board's report at the interim follow-up.
    assert assessments(kf, 2027) == [("INTERIM", "DELVIS_UPPFYLLT", "Positiv trend men under målvärdet")]

    again = post(kf, fixture)
    assert again.status_code == 200, again.text
    assert all(c["created"] == c["updated"] == 0 for c in again.json()["counts"].values())
    assert export(kf, 2027) == fixture


def test_a_refused_file_changes_nothing_in_either_service(kf: httpx.Client) -> None:
    before, assessed = export(kf, 2027), assessments(kf, 2027)
    changed = FIXTURE.read_bytes().replace(b";DELVIS;", b";UPPFYLLT;").replace(b"Fler elever ska klara skolan", b"Alla elever")
    bad = (
        changed
        + (
            "Mål och budget 2027;Nämndmål;2;Goal;SN-M9;Okänd enhet;KF-M1;NOPE;Ingen;OPERATIONS;;;;;;\n"
            "Mål och budget 2027;Aktivitet;4;Activity;BUN-A2;Utan datum;BUN-M1;BUF;Barn- och utbildningsförvaltningen;OPERATIONS;PAGAENDE;;2027-08-31;;2027-12-15;\n"
        ).encode()
    )
    response = post(kf, bad)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert [e["pointer"] for e in problem["errors"]] == ["#/line/7", "#/line/8"]
    assert kf.get(f"{GOALS}/jobs/{problem['job_id']}").json()["state"] == "REFUSED"
    assert export(kf, 2027) == before and assessments(kf, 2027) == assessed


def test_an_export_imports_into_another_empty_system_and_exports_the_same(kf: httpx.Client, tmp_path: Path) -> None:
    rich = post(kf, RICH)
    assert rich.status_code == 201, rich.text
    first_csv, rich_xlsx = export(kf, 2027), export(kf, 2028, "xlsx")
    assert export(kf, 2028) == RICH
    with running_system(tmp_path) as other, other.client("kf.demo") as http:
        assert post(http, first_csv).status_code == 201
        assert export(http, 2027) == first_csv
        imported = post(http, rich_xlsx, XLSX)
        assert imported.status_code == 201, imported.text
        assert cells(export(http, 2028, "xlsx")) == cells(rich_xlsx)
        assert export(http, 2028) == RICH
        assert assessments(http, 2028) == assessments(kf, 2028)

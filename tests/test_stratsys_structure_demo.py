"""Stratsys's structure file imports into the demo municipality `make run` seeds, as it is: the demo
carries the fixture's codes (KF-M1, BUN-M1, KPI-ELEV-BEH, BUN-A1 and the units' short names), so the
file's nodes land on the demo's key figure and its goals of the file's year (made beside this term's
when the file is for another year), and the year's export gives the file back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tools.demo_year import seed

STRUCTURE = "/api/goals/v1/stratsys/structure"
FIXTURE = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "stratsys" / "scorecard_export.csv"


def test_the_fixture_imports_into_the_demo_and_exports_back(own_system: Any) -> None:
    own_system.stack.seed_calendar()  # as the run command does
    seed(own_system.gateway_url)
    fixture = FIXTURE.read_bytes()
    year = 2027
    if dt.date.today().year == year:  # the demo's own year is the file's: take the file to the next year, as it would be then
        year += 1
        fixture = fixture.replace(b"2027", str(year).encode())
    with own_system.client("kf.demo") as kf:
        dry = kf.post(STRUCTURE, content=fixture, headers={"content-type": "text/csv"}, params={"dry_run": "true"})
        assert dry.status_code == 200, dry.text
        imported = kf.post(STRUCTURE, content=fixture, headers={"content-type": "text/csv"})
        assert imported.status_code in (200, 201), imported.text
        counts = imported.json()["counts"]
        assert counts["indicator"]["created"] == 0  # the demo's KPI-ELEV-BEH
        exported = kf.get(f"{STRUCTURE}/{year}")
        assert exported.status_code == 200, exported.text
        assert exported.content == fixture
        again = kf.post(STRUCTURE, content=fixture, headers={"content-type": "text/csv"})
        assert again.status_code == 200, again.text
        assert all(c["created"] == c["updated"] == 0 for c in again.json()["counts"].values())

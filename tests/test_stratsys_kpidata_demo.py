"""The municipality's Stratsys KPI files (layouts 1 and 2) into the demo `make run` seeds, through the
gateway, as they are: the rows land on the key figures the demo's boards follow, the manual file's
totals agree with them, the broken file is refused with its five lines, and a year's export
imports back unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tools.demo_year import Seeded, seed

GOALS = "/api/goals/v1"
KPIDATA = f"{GOALS}/stratsys/kpidata"
FIXTURES = Path(__file__).parent.parent / "services" / "goals" / "tests" / "fixtures" / "stratsys"


@pytest.fixture(scope="module")
def seeded(own_system: Any) -> Seeded:
    own_system.stack.seed_calendar()  # as the run command does before the apps start
    return seed(own_system.gateway_url)


def post(own_system: Any, name: str, layout: str) -> Any:
    content_type = "text/csv" if layout == "rowwise" else "text/tab-separated-values"
    with own_system.client("kf.demo") as council:
        return council.post(
            KPIDATA, params={"layout": layout}, content=(FIXTURES / name).read_bytes(), headers={"content-type": content_type}
        )


def changes(job: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    return {kind: (c["created"], c["updated"], c["unchanged"]) for kind, c in job["counts"].items()}


def test_the_files_import_into_the_demo_as_they_are_and_back(seeded: Seeded, own_system: Any) -> None:
    broken = post(own_system, "broken_rowwise.csv", "rowwise")
    assert broken.status_code == 422, broken.text
    assert [e["pointer"] for e in broken.json()["errors"]] == [f"#/line/{n}" for n in range(3, 8)]

    rowwise = post(own_system, "kpidata_rowwise.csv", "rowwise")
    assert rowwise.status_code == 201, rowwise.text
    assert changes(rowwise.json()) == {"indicator_outcome": (3, 0, 0), "indicator_target": (2, 0, 0)}
    # The manual file carries the same totals: nothing changes.
    manual = post(own_system, "kpidata_manual.tsv", "manual")
    assert manual.status_code == 201, manual.text
    assert changes(manual.json()) == {"indicator_outcome": (0, 0, 3), "indicator_target": (0, 0, 0)}

    with own_system.client("revisor.demo") as revisor:
        exported = revisor.get(KPIDATA, params={"layout": "rowwise", "year": 2027})
    assert exported.status_code == 200, exported.text
    assert "2027-04-30;BUN;KPI-ELEV-BEH;UTFALL_K;86.9" in exported.text.splitlines()
    with own_system.client("kf.demo") as council:
        again = council.post(KPIDATA, params={"layout": "rowwise"}, content=exported.content, headers={"content-type": "text/csv"})
    assert again.status_code == 201, again.text
    assert changes(again.json()) == {"indicator_outcome": (0, 0, 3), "indicator_target": (0, 0, 2)}

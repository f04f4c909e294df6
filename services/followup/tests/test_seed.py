"""The demo's follow-up calendar: `python -m followup_service seed-demo` makes the annual cycles of
this year and the next from the template, once, with the steps that ended before today done; run
again, it changes nothing."""

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def _command(database: Path, *args: str) -> str:
    env = os.environ | {"FOLLOWUP_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    done = subprocess.run([sys.executable, "-m", "followup_service", *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout


def test_the_demo_seed_makes_this_and_next_years_cycles_once(tmp_path: Path) -> None:
    database = tmp_path / "followup.db"
    _command(database, "migrate", "upgrade")
    this_year = dt.date.today().year
    assert str([this_year, this_year + 1]) in _command(database, "seed-demo")
    assert "none" in _command(database, "seed-demo")
    with sqlite3.connect(database) as connection:
        occasions = connection.execute("SELECT year, kind FROM occasion ORDER BY year, period_end").fetchall()
        steps = connection.execute("SELECT year, count(*) FROM cycle_step GROUP BY year ORDER BY year").fetchall()
    kinds = ["FORECAST", "INTERIM", "ANNUAL"]
    assert occasions == [(year, kind) for year in (this_year, this_year + 1) for kind in kinds]
    assert steps == [(this_year, 22), (this_year + 1, 22)]
    # What was planned to end before today is done, on its planned end; nothing later is.
    with sqlite3.connect(database) as connection:
        statuses = connection.execute(
            "SELECT planned_end < ?, status, done_on = planned_end FROM cycle_step", [dt.date.today().isoformat()]
        )
        assert {tuple(row) for row in statuses} <= {(1, "DONE", 1), (0, "PLANNED", None)}

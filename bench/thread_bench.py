"""Thread benchmark: GET /thread for a large municipality on PostgreSQL, through the real app.

    .venv/bin/python -m bench.thread_bench            (options: --runs, --warmup, --seed, --postgres)

Creates a fresh PostgreSQL database, migrates it, generates a municipality with a seeded random
generator (bench/goals_data.py: 1,500 org units, 3,000 goals over three levels with links, 10,000
indicator uses, 200,000 outcomes, 8,000 activities), loads it with COPY, then times
GET /api/goals/v1/thread?year= for the whole municipality and for one board's subtree. Calls go
through the app in process (httpx over ASGITransport, a signed assertion): middleware, assertion
check, role policy, handler, queries and serialization, no network. Reports the median and p95
over the runs, the time spent in SQL, the SQL statements per call (counted on the app's engine) and the
response's size. Drops the database at the end.
Target: well under a second per call.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import event

from bench.goals_data import Municipality, Shape, generate, load
from goals_service.__main__ import MIGRATIONS
from goals_service.main import create_app
from goals_service.settings import GoalsSettings
from styrkedjan_common.identity import Role
from styrkedjan_common.migrations import upgrade
from styrkedjan_common.testing import TestKeys, create_postgres_database, drop_postgres_database, principal, running

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
THREAD = "/api/goals/v1/thread"
TARGET_MS = 1000.0


@dataclass
class SqlMeter:
    """Statements and their time on one engine, between resets."""

    statements: int = 0
    seconds: float = 0.0
    _started: list[float] = field(default_factory=list)

    def attach(self, engine: Any) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.statements, self.seconds = 0, 0.0

    def _before(self, *_: Any) -> None:
        self.statements += 1
        self._started.append(time.perf_counter())

    def _after(self, *_: Any) -> None:
        self.seconds += time.perf_counter() - self._started.pop()


@dataclass
class Result:
    label: str
    milliseconds: list[float]
    sql_milliseconds: list[float]
    statements: set[int]
    size: int
    goals: int
    indicators: int
    activities: int

    def p95(self) -> float:
        return statistics.quantiles(self.milliseconds, n=20, method="inclusive")[18]


def _content(body: dict[str, Any]) -> tuple[int, int, int]:
    """Distinct goals, indicator uses and activities in a thread (a node may appear under several parents)."""
    goals: set[str] = set()
    uses: set[str] = set()
    activities: set[str] = {a["id"] for a in body["unlinked"]["activities"]}
    stack = [*body["goals"], *body["unlinked"]["board"], *body["unlinked"]["unit"]]
    while stack:
        goal = stack.pop()
        if goal["id"] in goals:
            continue
        goals.add(goal["id"])
        uses |= {i["use_id"] for i in goal["indicators"]}
        activities |= {a["id"] for a in goal["activities"]}
        stack.extend(goal["contributing_goals"])
    return len(goals), len(uses), len(activities)


async def measure(url: str, municipality: Municipality, runs: int, warmup: int) -> list[Result]:
    keys = TestKeys.generate()
    settings = GoalsSettings(database_url=url, assertion_public_keys=keys.public_pem, log_level="WARNING")
    app = create_app(settings)
    board = municipality.boards[1]  # boards[0] also owns the municipal goals: its subtree is everything
    unit = municipality.units_of_board[board][0]
    token, _ = keys.signer(ttl_seconds=3600).sign(principal(Role.ENHET, unit, [str(unit)]), "goals")
    year = municipality.shape.year
    cases = [("whole municipality", {"year": year}), ("one board's subtree", {"year": year, "org_unit_id": str(board)})]
    results = []
    async with (
        running(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://service", headers={"x-identity-assertion": token}, timeout=60
        ) as http,
    ):
        meter = SqlMeter()
        meter.attach(app.state.engine.sync_engine)
        for label, params in cases:
            for _ in range(warmup):
                (await http.get(THREAD, params=params)).raise_for_status()
            times, sql_times, statements = [], [], set()
            for _ in range(runs):
                meter.reset()
                started = time.perf_counter()
                response = await http.get(THREAD, params=params)
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
                sql_times.append(meter.seconds * 1000)
                statements.add(meter.statements)
            results.append(Result(label, times, sql_times, statements, len(response.content), *_content(response.json())))
    return results


def report(municipality: Municipality, results: list[Result], runs: int, load_seconds: float) -> bool:
    shape = municipality.shape
    print(f"\nmunicipality (seeded): {shape.org_units} org units ({shape.boards} boards), loaded in {load_seconds:.1f} s")
    print("  " + ", ".join(f"{table.name} {len(table.rows):,}" for table in municipality.tables))
    print(f"\nGET {THREAD}?year={shape.year}, {runs} runs each (after warm-up), in process over ASGI:")
    header = (
        f"  {'':<22}{'median':>10}{'p95':>10}{'min':>10}{'SQL median':>12}{'statements':>12}{'response':>11}   goals / uses / activities"
    )
    print(header)
    ok = True
    for r in results:
        ok &= r.p95() < TARGET_MS and len(r.statements) == 1
        print(
            f"  {r.label:<22}{statistics.median(r.milliseconds):>8.1f}ms{r.p95():>8.1f}ms{min(r.milliseconds):>8.1f}ms"
            f"{statistics.median(r.sql_milliseconds):>10.1f}ms{'/'.join(map(str, sorted(r.statements))):>12}"
            f"{r.size / 1e6:>9.2f}MB   {r.goals:,} / {r.indicators:,} / {r.activities:,}"
        )
    print(f"\ntarget: p95 under {TARGET_MS:.0f} ms and the same number of statements on every call: {'ok' if ok else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get("STYRKEDJAN_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()

    name = f"bench_thread_{uuid.uuid4().hex[:8]}"
    url = create_postgres_database(args.postgres, name)
    try:
        upgrade(MIGRATIONS, url)
        municipality = generate(Shape(), args.seed)
        started = time.perf_counter()
        asyncio.run(load(url, municipality))
        load_seconds = time.perf_counter() - started
        results = asyncio.run(measure(url, municipality, args.runs, args.warmup))
    finally:
        drop_postgres_database(args.postgres, name)
    return 0 if report(municipality, results, args.runs, load_seconds) else 1


if __name__ == "__main__":
    raise SystemExit(main())

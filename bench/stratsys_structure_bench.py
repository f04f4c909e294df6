"""Stratsys structure export benchmark (layout 3): GET /stratsys/structure/{year} for the large
generated municipality on PostgreSQL, as CSV and as XLSX, through the real goals app.

    .venv/bin/python -m bench.stratsys_structure_bench      (options: --runs, --warmup, --seed, --postgres)

Creates a fresh PostgreSQL database, migrates it, generates the municipality of bench/goals_data.py
(1,500 org units, 3,000 goals over three levels with links, 10,000 indicator uses, 8,000
activities) and loads it with COPY. The app runs in process (httpx over ASGITransport, a signed
assertion of the council): middleware, role policy, handler, queries, the file's rows and their
CSV or XLSX. Its directory is the municipality's org units with Stratsys codes and names; the
follow-up service's answer (an assessment of most goals in force at two follow-ups) is served from
memory, parsed as the real answer is. Reports the median and p95 over the runs, the SQL time and
statements, rows and bytes. Drops the database at the end.
Target (issue 16): at most 5 s per export.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import time
import uuid
from typing import Any

import httpx

from bench.goals_data import Municipality, Shape, generate, load
from bench.thread_bench import SqlMeter
from goals_service.__main__ import MIGRATIONS
from goals_service.main import create_app
from goals_service.settings import GoalsSettings
from goals_service.stratsys.structure_followup import YearAssessments
from styrkedjan_common.db import connect_asyncpg
from styrkedjan_common.identity import Role
from styrkedjan_common.migrations import upgrade
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import OrgUnit, OrgUnitType
from styrkedjan_common.testing import TestKeys, TestOrganisation, create_postgres_database, drop_postgres_database, principal, running

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
STRUCTURE = "/api/goals/v1/stratsys/structure"
TARGET_MS = 5000.0


class Directory(TestOrganisation):
    """The municipality's org units as the directory's feed serves them, with their Stratsys codes."""

    def __init__(self, municipality: Municipality) -> None:
        super().__init__()
        for i, board in enumerate(municipality.boards):
            kind = OrgUnitType.COUNCIL if i == 0 else OrgUnitType.BOARD
            self._put(board, kind, f"Nämnd {i}", f"N{i}")
            for j, unit in enumerate(municipality.units_of_board[board]):
                self._put(unit, OrgUnitType.UNIT, f"Enhet {i}.{j}", f"E{i}-{j}")

    def _put(self, unit_id: uuid.UUID, kind: OrgUnitType, name: str, code: str) -> None:
        self._publish(OrgUnit(str(unit_id), kind.value, None, None, name, code, {"stratsys": code}, dt.date(2000, 1, 1), None))


class FollowupFromMemory:
    """The follow-up service's answer for the year, parsed from JSON-like data as the client parses it."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer

    async def year(self, year: int) -> YearAssessments:
        return YearAssessments.model_validate(self.answer)

    async def close(self) -> None:
        pass


async def assessments_of(url: str, year: int, seed: int) -> dict[str, Any]:
    """Most goals in force in the year assessed at the forecast and the interim follow-up, by their owner."""
    rng = random.Random(seed)
    connection = await connect_asyncpg(url)
    try:
        rows = await connection.fetch(
            "SELECT lineage_id, owner_org_unit_id FROM goal WHERE status = 'DECIDED' AND start_year <= $1 AND end_year >= $1", year
        )
    finally:
        await connection.close()
    items = []
    for row in rows:
        for occasion in (FollowupOccasion.FORECAST, FollowupOccasion.INTERIM):
            if rng.random() < 0.8:
                items.append(
                    {
                        "goal_id": str(row["lineage_id"]),
                        "org_unit_id": str(row["owner_org_unit_id"]),
                        "occasion": occasion.value,
                        "period_end": occasion.period_end(year).isoformat(),
                        "level_code": rng.choice(["UPPFYLLT", "DELVIS_UPPFYLLT", "EJ_UPPFYLLT"]),
                        "analysis": "Analys av måluppfyllelsen; utfallet följer planen." * rng.randint(1, 4),
                    }
                )
    return {"year": year, "items": items}


async def measure(
    url: str, municipality: Municipality, runs: int, warmup: int, seed: int
) -> list[tuple[str, list[float], list[float], set[int], int, int]]:
    keys = TestKeys.generate()
    settings = GoalsSettings(database_url=url, assertion_public_keys=keys.public_pem, log_level="WARNING")
    app = create_app(settings)
    app.state.directory_source = Directory(municipality)
    year = municipality.shape.year
    app.state.followup_assessments = FollowupFromMemory(await assessments_of(url, year, seed))
    token, _ = keys.signer(ttl_seconds=3600).sign(principal(Role.FULLMAKTIGE, municipality.boards[0]), "goals")
    results = []
    async with (
        running(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://service", headers={"x-identity-assertion": token}, timeout=120
        ) as http,
    ):
        meter = SqlMeter()
        meter.attach(app.state.engine.sync_engine)
        for fmt in ("csv", "xlsx"):
            for _ in range(warmup):
                (await http.get(f"{STRUCTURE}/{year}", params={"format": fmt})).raise_for_status()
            times, sql_times, statements = [], [], set()
            for _ in range(runs):
                meter.reset()
                started = time.perf_counter()
                response = await http.get(f"{STRUCTURE}/{year}", params={"format": fmt})
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
                sql_times.append(meter.seconds * 1000)
                statements.add(meter.statements)
            rows = response.content.count(b"\n") - 1 if fmt == "csv" else -1
            results.append((fmt, times, sql_times, statements, len(response.content), rows))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get("STYRKEDJAN_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()

    name = f"bench_structure_{uuid.uuid4().hex[:8]}"
    url = create_postgres_database(args.postgres, name)
    try:
        upgrade(MIGRATIONS, url)
        municipality = generate(Shape(), args.seed)
        started = time.perf_counter()
        asyncio.run(load(url, municipality))
        load_seconds = time.perf_counter() - started
        results = asyncio.run(measure(url, municipality, args.runs, args.warmup, args.seed))
    finally:
        drop_postgres_database(args.postgres, name)
    shape = municipality.shape
    print(f"\nmunicipality (seeded): {shape.org_units} org units ({shape.boards} boards), loaded in {load_seconds:.1f} s")
    print("  " + ", ".join(f"{table.name} {len(table.rows):,}" for table in municipality.tables))
    print(f"\nGET {STRUCTURE}/{shape.year}, {args.runs} runs each (after warm-up), in process over ASGI:")
    ok = True
    for fmt, times, sql_times, statements, size, rows in results:
        p95 = statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]
        ok &= max(times) <= TARGET_MS
        extra = f", {rows:,} rows" if rows >= 0 else ""
        print(
            f"  {fmt:<5} median {statistics.median(times):8.1f} ms  p95 {p95:8.1f} ms  max {max(times):8.1f} ms"
            f"  SQL {statistics.median(sql_times):7.1f} ms in {'/'.join(map(str, sorted(statements)))} statements"
            f"  {size / 1e6:.2f} MB{extra}"
        )
    print(f"\ntarget: every export within {TARGET_MS / 1000:.0f} s: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

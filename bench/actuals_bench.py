"""Actuals import benchmark: a year of booked amounts of a large municipality as one CSV file,
imported through the real app on PostgreSQL.

    .venv/bin/python -m bench.actuals_bench            (options: --rows, --cost-centers, --seed, --postgres)

Creates a fresh PostgreSQL database, migrates it, stores cost centres (via activity areas of 12
boards), writes the CSV files into a temporary directory and posts them to
POST /api/budget/v1/actuals/imports through the app in process (httpx over ASGITransport, a
signed assertion, the body streamed in 64 KiB chunks): middleware, role policy, spooling, the
streaming validation, COPY into the staging table, the checks and the merge, in one transaction.

  1. the file: every key new (insert path); wall time, rows/s, peak RSS (getrusage maxrss);
  2. the same file again: must answer 200 with the first import and change nothing
     (same rows, same amounts checksum, no new import, no new audit event);
  3. a corrected re-delivery (every tenth amount changed): the update path;
  4. the first file again with one more (blank) line, so a new delivery that restores the
     corrected amounts, under tracemalloc: the peak of Python allocations during a full import
     (tracemalloc slows Python code, so its time is not comparable with the others').

Drops the database at the end. Target: a million rows in well under a minute, with memory that
does not grow with the file (peak traced allocations of a few MB, not hundreds).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from budget_service.__main__ import MIGRATIONS
from budget_service.actuals.models import Actual, ActualsImport
from budget_service.allocations.models import ActivityArea, CostCenter
from budget_service.db import AuditEvent
from budget_service.main import create_app
from budget_service.settings import BudgetSettings
from styrkedjan_common.identity import Role
from styrkedjan_common.migrations import upgrade
from styrkedjan_common.testing import TestKeys, create_postgres_database, drop_postgres_database, principal, running

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
IMPORTS = "/api/budget/v1/actuals/imports"
HEADER = "year,month,cost_center,account,amount\n"
CHUNK = 64 * 1024
BOARDS, AREAS_PER_BOARD, ACCOUNTS = 12, 8, 50
TARGET_SECONDS = 60.0


@dataclass
class Run:
    label: str
    status: int
    seconds: float
    body: dict[str, Any]


def write_files(folder: Path, rows: int, cost_centers: int, seed: int) -> tuple[Path, Path]:
    """The year's file (every month × cost centre × account until `rows`) and its correction,
    written line by line so generating them costs no memory either."""
    rng = random.Random(seed)
    accounts = [str(4000 + 10 * n) for n in range(ACCOUNTS)]
    original, corrected = folder / "actuals-2027.csv", folder / "actuals-2027-corrected.csv"
    with original.open("w", encoding="utf-8") as first, corrected.open("w", encoding="utf-8") as second:
        first.write(HEADER)
        second.write(HEADER)
        written = 0
        for month in range(1, 13):
            for center in range(cost_centers):
                for account in accounts:
                    if written == rows:
                        return original, corrected
                    cents = rng.randint(-50_000_00, 500_000_00)
                    prefix = f"2027,{month},{10000 + center},{account},"
                    first.write(f"{prefix}{cents / 100:.2f}\n")
                    second.write(f"{prefix}{(cents + (100 if written % 10 == 0 else 0)) / 100:.2f}\n")
                    written += 1
    if written < rows:
        raise SystemExit(f"{rows} rows need more cost centres: 12 × {cost_centers} × {ACCOUNTS} = {written}")
    return original, corrected


async def seed_cost_centers(app: Any, count: int) -> None:
    async with app.state.sessionmaker() as s:
        areas = [
            ActivityArea(board_org_unit_id=uuid.uuid4(), code=str(100 + a), name=f"Verksamhet {a}", created_by="bench", updated_by="bench")
            for _ in range(BOARDS)
            for a in range(AREAS_PER_BOARD)
        ]
        s.add_all(areas)
        await s.flush()
        s.add_all(
            CostCenter(
                code=str(10000 + n),
                name=f"Kostnadsställe {n}",
                activity_area_id=areas[n % len(areas)].id,
                org_unit_id=uuid.uuid4(),
                created_by="bench",
                updated_by="bench",
            )
            for n in range(count)
        )
        await s.commit()


async def chunks(path: Path, tail: bytes) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk
    if tail:
        yield tail


async def stored(app: Any) -> tuple[int, Any, int, int]:
    """Rows, the sum of their amounts, deliveries and audit events: what a repeat must not change."""
    async with app.state.sessionmaker() as s:
        rows, total = (await s.execute(select(func.count(), func.sum(Actual.amount)).select_from(Actual))).one()
        imports = await s.scalar(select(func.count()).select_from(ActualsImport))
        events = await s.scalar(select(func.count()).select_from(AuditEvent))
    return rows, total, imports, events


async def post(http: httpx.AsyncClient, label: str, path: Path, tail: bytes = b"") -> Run:
    started = time.perf_counter()
    response = await http.post(IMPORTS, content=chunks(path, tail), headers={"content-type": "text/csv"})
    seconds = time.perf_counter() - started
    if response.status_code >= 300:
        raise SystemExit(f"{label}: {response.status_code} {response.text[:2000]}")
    return Run(label, response.status_code, seconds, response.json())


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


async def measure(url: str, files: tuple[Path, Path], cost_centers: int) -> dict[str, Any]:
    keys = TestKeys.generate()
    app = create_app(BudgetSettings(database_url=url, assertion_public_keys=keys.public_pem, log_level="WARNING"))
    token, _ = keys.signer(ttl_seconds=3600).sign(principal(Role.FORVALTNING), "budget")
    original, corrected = files
    async with (
        running(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://service", headers={"x-identity-assertion": token}, timeout=600
        ) as http,
    ):
        await seed_cost_centers(app, cost_centers)
        rss_before = maxrss_mb()
        first = await post(http, "first import (all keys new)", original)
        rss_after = maxrss_mb()
        after_first = await stored(app)
        repeat = await post(http, "the same file again", original)
        after_repeat = await stored(app)
        correction = await post(http, "corrected re-delivery", corrected)
        tracemalloc.start()
        restored = await post(http, "first file + a blank line (traced)", original, b"\n")
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "runs": [first, repeat, correction, restored],
        "rss": (rss_before, rss_after, maxrss_mb()),
        "traced_peak_mb": traced_peak / 1e6,
        "unchanged_by_repeat": after_first == after_repeat and repeat.status == 200 and repeat.body == first.body,
        "stored": after_repeat,
    }


def report(rows: int, size: int, result: dict[str, Any]) -> bool:
    first, repeat, correction, restored = result["runs"]
    rss_before, rss_after, rss_end = result["rss"]
    print(f"\nfile: {rows:,} rows, {size / 1e6:.1f} MB; POST {IMPORTS} in process over ASGI, streamed in {CHUNK // 1024} KiB chunks")
    for run in result["runs"]:
        counts = "/".join(str(run.body[k]) for k in ("inserted", "updated", "unchanged"))
        rate = f"{rows / run.seconds:>10,.0f} rows/s" if run is not repeat else f"{'(a no-op)':>17}"
        print(f"  {run.label:<36} {run.status}  {run.seconds:>7.2f} s  {rate}   inserted/updated/unchanged {counts}")
    stored_rows, _, imports, events = result["stored"]
    print(
        f"\nthe same file again: {'nothing changed' if result['unchanged_by_repeat'] else 'CHANGED'} "
        f"({stored_rows:,} rows, {imports} import, {events} audit event after it; answered {repeat.status} with the first import)"
    )
    print(
        f"peak RSS (getrusage maxrss): {rss_before:.0f} MB before the first import, {rss_after:.0f} MB after it, {rss_end:.0f} MB at the end"
    )
    print(f"peak of Python allocations during a full import (tracemalloc): {result['traced_peak_mb']:.1f} MB")
    corrected_rows = (rows + 9) // 10
    ok = (
        result["unchanged_by_repeat"]
        and max(first.seconds, correction.seconds) < TARGET_SECONDS
        and correction.body["updated"] == restored.body["updated"] == corrected_rows
    )
    print(
        f"\ntarget: {rows:,} rows imported under {TARGET_SECONDS:.0f} s, a repeat changes nothing, "
        f"a correction updates exactly the corrected rows: {'ok' if ok else 'MISSED'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get("STYRKEDJAN_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cost-centers", type=int, default=1_700)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()

    name = f"bench_actuals_{uuid.uuid4().hex[:8]}"
    url = create_postgres_database(args.postgres, name)
    try:
        upgrade(MIGRATIONS, url)
        with tempfile.TemporaryDirectory(prefix="actuals-bench-") as folder:
            files = write_files(Path(folder), args.rows, args.cost_centers, args.seed)
            size = files[0].stat().st_size
            result = asyncio.run(measure(url, files, args.cost_centers))
    finally:
        drop_postgres_database(args.postgres, name)
    return 0 if report(args.rows, size, result) else 1


if __name__ == "__main__":
    raise SystemExit(main())

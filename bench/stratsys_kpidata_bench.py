"""Stratsys KPI data import benchmark: a layout-1 file of 500,000 values imported through the goals
app, a uvicorn process on PostgreSQL. Not a timed test: run by hand on a quiet machine.

    make bench-stratsys-kpidata      (or: python -m bench.stratsys_kpidata_bench --values 500000 --audit-estimate)

Starts the whole system on fresh PostgreSQL databases (bench/system.py). Through the directory's API
(the gateway, as the administrator) it adds a board, its administration and --units units, each
unit with a Stratsys code; through the goals app's API --indicators monthly, gender-split
indicators with Stratsys codes, a quality factor of each unit and a use of every indicator by every
unit. The file then holds UTFALL, UTFALL_K and UTFALL_M of every use, month by month from 2020 on,
until --values lines (the default: 100 units x 10 indicators x 12 months x 14 years x 3 columns,
cut at 500,000, which merge into 166,667 outcomes; --columns 1 makes each value its own outcome,
500,000 rows over 42 years). It is posted to POST /api/goals/v1/stratsys/kpidata straight to the goals app (a
signed assertion of the council, as the gateway would send; the gateway's upstream read timeout
is 30 s, the figure measured), the body streamed in 64 KiB chunks, while the job is polled to show
its progress.

Measured:
  1. the file into an empty system: every value new (the insert path): wall time, and the goals
     process's peak RSS (VmHWM of /proc/<pid>/status) before and after;
  2. the same file again: every value unchanged (200), no row written;
  3. with --audit-estimate: what one audit event per value would cost instead of one per import,
     as 500,000 audit rows of the outcome's before/after inserted into the goals database the same
     way (SQLAlchemy Core executemany, batches of 1,000).
Targets: the first import in <= 30 s with a peak RSS <= 300 MB. Exits non-zero on a miss.
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import contextlib
import datetime as dt
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from bench.followup_bench import body_of, call, each, replica_units, wait_for_replicas
from bench.system import system_on_postgres
from goals_service.db import AuditEvent
from styrkedjan_common.identity import AssertionSigner, Role
from styrkedjan_common.testing import ASSERTION_ISSUER, principal
from tools.stack import Stack

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DIRECTORY = "/api/directory/v1"
GOALS = "/api/goals/v1"
KPIDATA = f"{GOALS}/stratsys/kpidata"
FIRST_YEAR = 2020
COLUMNS = ("UTFALL", "UTFALL_K", "UTFALL_M")
CHUNK = 64 * 1024
TARGET_SECONDS = 30.0
TARGET_RSS_MB = 300.0


def peak_rss_mb(pid: int) -> tuple[float, float]:
    """The process's resident set now and its peak so far (VmRSS, VmHWM), in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def write_file(path: Path, units: list[str], indicators: list[str], values: int, columns: tuple[str, ...]) -> int:
    """The layout-1 file, line by line (no memory): every use's columns month by month."""
    written = 0
    with path.open("w", encoding="utf-8") as file:
        file.write("date;unit_code;kpi_code;column_code;value\n")
        year = FIRST_YEAR
        while written < values:
            for month in range(1, 13):
                day = f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
                for u, unit in enumerate(units):
                    for i, kpi in enumerate(indicators):
                        base = (u * 7 + i * 13 + month * 3 + year) % 1000
                        sep = "," if (u + i) % 2 else "."  # both decimal separators, as files from Excel hold
                        for c, column in enumerate(columns):
                            if written == values:
                                return written
                            file.write(f"{day};{unit};{kpi};{column};{base + c}{sep}{(u + i) % 10}\n")
                            written += 1
            year += 1
    return written


async def chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk


class Goals:
    """Calls straight to the goals app, each with a fresh assertion of the given role (the whole municipality)."""

    def __init__(self, stack: Stack) -> None:
        self.signer = AssertionSigner(stack.keys.assertion_private.read_text(), ASSERTION_ISSUER, ttl_seconds=600)
        self.http = httpx.AsyncClient(base_url=stack.url("goals"), timeout=600)

    def headers(self, role: Role) -> dict[str, str]:
        token, _ = self.signer.sign(principal(role, "root", "*", f"bench-{role.value}"), "goals")
        return {"x-identity-assertion": token}

    async def post(self, path: str, role: Role, **kwargs: Any) -> dict[str, Any]:
        return await body_of(self.http, "POST", path, 201, headers=self.headers(role), **kwargs)


async def build(stack: Stack, goals: Goals, args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The units and the indicators (their Stratsys codes), each unit following each indicator."""
    started = time.perf_counter()
    admin_token = stack.mint_token("admin.demo")
    async with httpx.AsyncClient(base_url=stack.url("gateway"), headers={"Authorization": f"Bearer {admin_token}"}, timeout=60) as admin:
        [home] = (await body_of(admin, "GET", "/api/me"))["assignments"]
        council = str(home["org_unit_id"])
        before = await replica_units(stack)
        unit = {"external_codes": {}, "valid_from": f"{FIRST_YEAR - 1}-01-01"}
        board = await body_of(
            admin,
            "POST",
            f"{DIRECTORY}/org-units",
            201,
            json=unit | {"type": "board", "parent_id": council, "name": "Mätnämnden", "short_name": "MN"},
        )
        administration = await body_of(
            admin,
            "POST",
            f"{DIRECTORY}/org-units",
            201,
            json=unit | {"type": "administration", "parent_id": board["id"], "name": "Mätförvaltningen", "short_name": "MF"},
        )

        async def add_unit(n: int) -> tuple[str, str]:
            code = f"E{n:03d}"
            made = await body_of(
                admin,
                "POST",
                f"{DIRECTORY}/org-units",
                201,
                json=unit
                | {
                    "type": "unit",
                    "parent_id": administration["id"],
                    "name": f"Mätenhet {n:03d}",
                    "short_name": code,
                    "external_codes": {"stratsys": code},
                },
            )
            return made["id"], code

        units = await each(8, list(range(1, args.units + 1)), add_unit)
        await wait_for_replicas(stack, before + args.units + 2)
    indicators = []
    for i in range(1, args.indicators + 1):
        code = f"KPI-B{i:02d}"
        created = await goals.post(
            f"{GOALS}/indicators",
            Role.FULLMAKTIGE,
            json={
                "name": f"Mätetal {i:02d}",
                "unit": "%",
                "direction": "HIGHER_IS_BETTER",
                "frequency": "MONTHLY",
                "gender_split": True,
                "external_codes": {"stratsys": code},
            },
        )
        indicators.append((created["id"], code))

    async def follow(unit: tuple[str, str]) -> None:
        factor = await goals.post(
            f"{GOALS}/quality-factors", Role.FORVALTNING, json={"org_unit_id": unit[0], "name": f"Kvalitet {unit[1]}"}
        )
        for indicator_id, _ in indicators:
            body = {"indicator_id": indicator_id, "org_unit_id": unit[0], "quality_factor_id": factor["id"]}
            await goals.post(f"{GOALS}/indicator-uses", Role.FORVALTNING, json=body)

    await each(8, units, follow)
    print(
        f"  built: {len(units)} units, {len(indicators)} indicators, {len(units) * len(indicators)} uses ({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    return [code for _, code in units], [code for _, code in indicators]


async def watch(goals: Goals, seen: list[tuple[float, str, str, int]], started: float, stop: asyncio.Event) -> None:
    """Polls the newest job while the import runs: its progress as others see it."""
    while not stop.is_set():
        page = (
            await goals.http.get(f"{GOALS}/jobs", params={"kind": "STRATSYS_KPIDATA", "limit": 1}, headers=goals.headers(Role.FULLMAKTIGE))
        ).json()
        if page.get("items"):
            job = page["items"][0]
            seen.append((time.perf_counter() - started, job["state"], job["phase"], job["lines_read"]))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def import_file(goals: Goals, path: Path, pid: int, expected: int) -> dict[str, Any]:
    rss_before = peak_rss_mb(pid)
    seen: list[tuple[float, str, str, int]] = []
    stop = asyncio.Event()
    started = time.perf_counter()
    watcher = asyncio.create_task(watch(goals, seen, started, stop))
    response = await call(
        goals.http,
        "POST",
        KPIDATA,
        expected,
        params={"layout": "rowwise"},
        content=chunks(path),
        headers=goals.headers(Role.FULLMAKTIGE) | {"content-type": "text/csv"},
        retry=False,
    )
    seconds = time.perf_counter() - started
    stop.set()
    await watcher
    return {"seconds": seconds, "job": response.json(), "rss_before": rss_before, "rss_after": peak_rss_mb(pid), "seen": seen}


async def audit_estimate(database_url: str, values: int) -> float:
    """Seconds to insert one audit event per value (an outcome's before and after), in batches."""
    engine = create_async_engine(database_url.replace("postgresql://", "postgresql+asyncpg://", 1))
    now = dt.datetime.now(dt.UTC)
    snapshot = {
        "period": "2027-05",
        "year": 2027,
        "period_index": 5,
        "total": "84.2",
        "women": "86.9",
        "men": "81.7",
        "comment": "",
        "source": "Stratsys",
    }
    started = time.perf_counter()
    try:
        async with engine.begin() as connection:
            for start in range(0, values, 1000):
                rows = [
                    {
                        "id": uuid.uuid4(),
                        "occurred_at": now,
                        "actor_id": "bench",
                        "actor_name": "bench",
                        "actor_kind": "person",
                        "request_id": None,
                        "action": "UPDATE",
                        "entity_type": "indicator_outcome",
                        "entity_id": str(uuid.uuid4()),
                        "before": snapshot,
                        "after": snapshot | {"total": "85"},
                    }
                    for _ in range(min(1000, values - start))
                ]
                await connection.execute(insert(AuditEvent.__table__), rows)
            seconds = time.perf_counter() - started
            await connection.rollback()
    finally:
        await engine.dispose()
    return seconds


def show(label: str, result: dict[str, Any]) -> None:
    job = result["job"]
    print(f"\n  {label}: {result['seconds']:.1f} s, job {job['state']}, {job['lines_read']:,} lines")
    print(f"    counts: {job['counts']}")
    print(
        f"    goals process RSS before {result['rss_before'][0]:.0f} MB (peak so far {result['rss_before'][1]:.0f} MB), peak after {result['rss_after'][1]:.0f} MB"
    )
    progress = [f"{at:.0f}s {state}/{phase} {lines:,}" for at, state, phase, lines in result["seen"]]
    print(f"    progress seen while it ran: {', '.join(progress)}")


async def run(stack: Stack, pids: dict[str, int], args: argparse.Namespace) -> bool:
    goals = Goals(stack)
    try:
        print("building units, indicators and uses ...", flush=True)
        units, indicators = await build(stack, goals, args)
        with tempfile.TemporaryDirectory(prefix="styrkedjan-kpidata-") as folder:
            path = Path(folder) / "kpidata.csv"
            lines = write_file(path, units, indicators, args.values, COLUMNS[: args.columns])
            print(f"  file: {lines:,} values, {path.stat().st_size / 1e6:.1f} MB", flush=True)
            first = await import_file(goals, path, pids["goals"], 201)
            show("first import (every value new)", first)
            again = await import_file(goals, path, pids["goals"], 200)
            show("the same file again (every value unchanged)", again)
        estimate = await audit_estimate(stack.database_urls["goals"], args.values) if args.audit_estimate else None
        if estimate is not None:
            print(
                f"\n  one audit event per value instead of one per import: {args.values:,} audit rows take {estimate:.1f} s more to insert"
            )
        peak = first["rss_after"][1]
        ok = first["seconds"] <= TARGET_SECONDS and peak <= TARGET_RSS_MB
        print(
            f"\n  target: <= {TARGET_SECONDS:.0f} s and <= {TARGET_RSS_MB:.0f} MB peak RSS: {first['seconds']:.1f} s, {peak:.0f} MB -> {'ok' if ok else 'MISSED'}"
        )
        return ok
    finally:
        await goals.http.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get("STYRKEDJAN_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--values", type=int, default=500_000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--indicators", type=int, default=10)
    parser.add_argument("--columns", type=int, default=3, choices=(1, 2, 3), help="UTFALL (1), also UTFALL_K (2) and UTFALL_M (3)")
    parser.add_argument("--audit-estimate", action="store_true", help="also time one audit event per value (rolled back)")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()
    with system_on_postgres(args.postgres, "bench_kpidata", log_level=args.log_level, directory_sync_interval_seconds=1.0) as (stack, pids):
        ok = asyncio.run(run(stack, pids, args))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

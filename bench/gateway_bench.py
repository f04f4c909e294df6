"""What a hop through the gateway costs: the same request directly at the service and through the
gateway, side by side, on PostgreSQL with wrk on loopback. A regression guard, not a race.

    make bench            (or: python -m bench.gateway_bench --duration 3 --rounds 20)

Starts the goals service and the gateway on fresh PostgreSQL databases, stores a decided vision,
then alternates wrk runs of the vision version list (the ORM path most operations take) directly
(with a valid assertion) and through the gateway (with a bearer token), at 32 connections and at
1. Each pair swaps its order every other round, and each measured run follows a second of the same
load, unmeasured, so neither side starts cold. Targets, on the medians of the figures paired
within each round:
  gateway/direct throughput at 32 connections >= 0.95x;  added p50 at 1 connection <= 1 ms.
Beside each gateway run: the gateway's own CPU per proxied request (user + system time from
/proc/<pid>/stat over the run, divided by the requests wrk counted).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from styrkedjan_common.identity import AssertionSigner, Assignment, Principal, Role
from styrkedjan_common.testing import create_postgres_database, drop_postgres_database
from tools.stack import APPS, GATEWAY, SERVICES, Stack, stop

GOALS = SERVICES[0]
LIST_PATH = "/api/goals/v1/visions"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
_TICK_SECONDS = 1 / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    rps: float
    p50_ms: float
    requests: int
    gateway_cpu_us: float  # per request


def cpu_seconds(pid: int) -> float:
    """User and system CPU the process has used so far (fields 14 and 15 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) * _TICK_SECONDS


def run_wrk(url: str, headers: dict[str, str], connections: int, duration: int, gateway_pid: int) -> Run:
    threads = 1 if connections == 1 else 2
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    cpu_before = cpu_seconds(gateway_pid)
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(gateway_pid) - cpu_before
    if "Non-2xx or 3xx responses" in output:
        raise RuntimeError(f"wrk saw error responses from {url}:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"\s50%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    return Run(rps, float(value) * _UNITS[unit], requests, cpu / max(requests, 1) * 1e6)


def prepare_vision(gateway_url: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=gateway_url, headers=headers, timeout=10) as client:
        created = client.post(
            LIST_PATH,
            json={
                "horizon_start_year": 2026,
                "horizon_end_year": 2037,
                "text": "Hallstahammar – en plats att leva, verka och bo på.",
                "core_values": [{"name": "Delaktighet", "description": "Vi involverar dem vi finns till för."}],
            },
        )
        created.raise_for_status()
        vision_id, etag = created.json()["id"], created.headers["etag"]
        proposed = client.post(f"{LIST_PATH}/{vision_id}/proposal", headers={"If-Match": etag})
        proposed.raise_for_status()
        decided = client.post(
            f"{LIST_PATH}/{vision_id}/decision",
            headers={"If-Match": proposed.headers["etag"]},
            json={"body": "Kommunfullmäktige", "decision_date": "2026-06-15", "reference": "KF § 45/2026"},
        )
        decided.raise_for_status()


def assertion_for(stack: Stack, token: str) -> str:
    """The assertion the gateway would send for this user, for the direct calls."""
    with httpx.Client(base_url=stack.url("gateway"), headers={"Authorization": f"Bearer {token}"}) as client:
        me = client.get("/api/me").json()
    principal = Principal(
        me["id"],
        me["display_name"],
        tuple(
            Assignment(Role(a["role"]), a["org_unit_id"], None if a["scope"] is None else frozenset(a["scope"])) for a in me["assignments"]
        ),
    )
    signer = AssertionSigner(stack.keys.assertion_private.read_text(), "styrkedjan-gateway", ttl_seconds=3600)
    return signer.sign(principal, "goals")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get("STYRKEDJAN_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=20, help="alternating rounds; medians are reported")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of unmeasured load before each run")
    parser.add_argument("--log-level", default="WARNING", help="apps' log level (INFO logs every request)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    suffix = uuid.uuid4().hex[:8]
    databases = {app.name: f"bench_{app.database}_{suffix}" for app in APPS}
    urls = {name: create_postgres_database(args.postgres, db) for name, db in databases.items()}
    processes = []
    results: dict[str, list[Run]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="styrkedjan-bench-") as folder:
            stack = Stack.create(Path(folder), postgres_urls=urls, log_level=args.log_level, log_format="json")
            for app in (GATEWAY, GOALS):
                stack.migrate(app)
            stack.seed()
            for app in (GOALS, GATEWAY):
                process = stack.start(app, log_file=Path(folder) / f"{app.name}.log")
                processes.append(process)
                stack.wait_live(app, process=process)
            gateway_pid = processes[-1].pid
            token = stack.mint_token("kf.demo")
            prepare_vision(stack.url("gateway"), token)

            direct = (stack.url("goals") + LIST_PATH, {"x-identity-assertion": assertion_for(stack, token)})
            gateway = (stack.url("gateway") + LIST_PATH, {"Authorization": f"Bearer {token}"})
            for url, headers in (direct, gateway):  # warm up connections and caches
                run_wrk(url, headers, 8, 2, gateway_pid)

            pairs = (
                (("direct c32", direct, 32), ("gateway c32", gateway, 32)),
                (("direct c1", direct, 1), ("gateway c1", gateway, 1)),
            )
            for round_ in range(1, args.rounds + 1):
                # Every other round runs each pair the other way round, so a drift within a round
                # (the machine slowing down or speeding up) does not favour one side.
                runs = [run for pair in pairs for run in (pair if round_ % 2 else reversed(pair))]
                for label, (url, headers), connections in runs:
                    run_wrk(url, headers, connections, args.warmup, gateway_pid)  # unmeasured: both sides start warm
                    run = run_wrk(url, headers, connections, args.duration, gateway_pid)
                    results.setdefault(label, []).append(run)
                    cpu = f"   gateway CPU {run.gateway_cpu_us:.0f} µs/request" if label.startswith("gateway") else ""
                    print(f"round {round_}  {label:<12} {run.rps:>8.0f} req/s   p50 {run.p50_ms:.3f} ms{cpu}", flush=True)
                time.sleep(0.5)
    finally:
        for process in reversed(processes):
            stop(process)
        for db in databases.values():
            drop_postgres_database(args.postgres, db)

    def paired(numerator: str, denominator: str, combine: Callable[[Run, Run], float]) -> list[float]:
        """A figure taken within each round: runs that sit side by side share the machine's
        state, which drifts a lot between rounds on a small VM. The median is what is judged."""
        return [combine(n, d) for n, d in zip(results[numerator], results[denominator], strict=True)]

    checks: list[tuple[str, list[float], str, Callable[[float], bool], str]] = [
        (
            "gateway/direct throughput at 32 connections",
            paired("gateway c32", "direct c32", lambda g, d: g.rps / d.rps),
            "{:.3f}x",
            lambda v: v >= 0.95,
            ">= 0.95x",
        ),
        (
            "added p50 latency at 1 connection",
            paired("gateway c1", "direct c1", lambda g, d: g.p50_ms - d.p50_ms),
            "{:+.3f} ms",
            lambda v: v <= 1.0,
            "<= 1 ms",
        ),
    ]
    print(f"\nmedians over {args.rounds} rounds of the figures within each round (and their range), on {LIST_PATH}:")
    passed = []
    for name, values, shape, holds, target in checks:
        median = statistics.median(values)
        passed.append(holds(median))
        spread = f"({shape.format(min(values))} to {shape.format(max(values))})"
        print(f"  {name:<44} {shape.format(median):>10}   target {target:<9} {'ok' if passed[-1] else 'MISSED':<6}  {spread}")
    for label, load in (("gateway c32", "c32"), ("gateway c1", "c1")):
        cpu_us = statistics.median(run.gateway_cpu_us for run in results[label])
        print(f"  {'gateway CPU per proxied request, ' + load:<44} {f'{cpu_us:.0f} µs':>10}")
    direct_rps = statistics.median(run.rps for run in results["direct c32"])
    print(f"  {'direct throughput at 32 connections':<44} {f'{direct_rps:.0f} req/s':>10}   (for scale)")
    return 0 if all(passed) else 1


if __name__ == "__main__":
    sys.exit(main())

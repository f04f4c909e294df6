"""The follow-up benchmark: a large municipality's forecast follow-up through the gateway on
PostgreSQL, every app its own uvicorn process. Not a timed test: run by hand on a quiet machine.

    make bench-followup          (or: python -m bench.followup_bench --reads 500 --seed 2031)

Starts the whole system on fresh PostgreSQL databases (tools/stack.py, as the load check does),
then builds, through the APIs as the users whose roles make it: 60 boards of 20 units each in the
directory, a board user (namnd) for each; in the goals service five municipal goals and ten decided
board goals of each board in force in the measured year, each followed by a monthly indicator with
outcomes January to April; in the budget service the decided budget with every board's frames and
each board's forecast; in internal control each board's control plan. The council makes the
year's cycle.

Measured (sequentially unless --concurrency says otherwise):
  1. each board's forecast report: created, refreshed (timed), every goal in force assessed with
     an analysis, the required sections written, proposed, and decided (timed: the snapshot);
  2. the municipal report of the council: the compilation of the occasion (timed, several reads),
     then its PROPOSE and DECIDE (timed, compiling every board's decided report); the demo
     municipality's own boards and company, which have no goals here, are recorded as missing;
  3. reading: --reads sequential GETs each of the adopted municipal report's document and report,
     and of a decided board report's, after a warm-up.
Targets: a board's DECIDE <= 0.5 s; the compilation and the municipal PROPOSE and DECIDE <= 1 s;
the reads' p95 <= 50 ms. A table with each figure and ok/MISSED; exits non-zero on a miss.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.gateway_bench import cpu_seconds
from bench.system import system_on_postgres
from tools.stack import SERVICES, Stack

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DIRECTORY = "/api/directory/v1"
GOALS = "/api/goals/v1"
BUDGET = "/api/budget/v1"
IC = "/api/internal-control/v1"
FOLLOWUP = "/api/followup/v1"
YEAR = 2031  # the measured year; the demo's cycles are this year's and next
VALID_FROM = "2023-01-01"
MUNICIPAL_GOALS = 5  # the goals service's cap per mandate period
OUTCOME_MONTHS = range(1, 5)  # January to April: the forecast's period
LEVELS = ("UPPFYLLT", "DELVIS_UPPFYLLT", "DELVIS_UPPFYLLT", "EJ_UPPFYLLT")
DEMO_SUBJECTS = ("kf.demo", "admin.demo", "revisor.demo")

BOARD_DECIDE_TARGET_S = 0.5
COMPILATION_TARGET_S = 1.0
READ_P95_TARGET_MS = 50.0


# --- calls --------------------------------------------------------------------------------


class CallFailed(RuntimeError):
    pass


async def call(http: httpx.AsyncClient, method: str, path: str, status: int = 200, *, retry: bool = True, **kwargs: Any) -> httpx.Response:
    """One request; a 503 (the gateway's admission bound) is retried after its Retry-After while
    building the municipality, never in a measured step."""
    for _ in range(20):
        response = await http.request(method, path, **kwargs)
        if response.status_code == 503 and retry:
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        if response.status_code != status:
            raise CallFailed(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response
    raise CallFailed(f"{method} {path}: still refused (503) after 20 attempts")


async def body_of(http: httpx.AsyncClient, method: str, path: str, status: int = 200, **kwargs: Any) -> dict[str, Any]:
    answer: dict[str, Any] = (await call(http, method, path, status, **kwargs)).json()
    return answer


async def timed(action: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await action
    return response, time.perf_counter() - started


async def each(limit: int, items: list[Any], work: Callable[[Any], Awaitable[Any]]) -> list[Any]:
    """`work` for every item, at most `limit` at a time, answers in the items' order."""
    gate = asyncio.Semaphore(limit)

    async def one(item: Any) -> Any:
        async with gate:
            return await work(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


# --- the municipality -----------------------------------------------------------------------


@dataclass
class Board:
    number: int
    id: str = ""
    subject: str = ""
    token: str = ""


@dataclass
class Municipality:
    council: str
    boards: list[Board]
    occasion: dict[str, Any]
    units: int  # org units created in the directory
    requests: int
    seconds: float


class Clients:
    """One client per caller, sharing nothing; each with its bearer token."""

    def __init__(self, gateway_url: str) -> None:
        self.gateway_url = gateway_url
        self._open: list[httpx.AsyncClient] = []

    def of(self, token: str) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        client = httpx.AsyncClient(base_url=self.gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=limits)
        self._open.append(client)
        return client

    async def close(self) -> None:
        for client in self._open:
            await client.aclose()


class Counting(httpx.AsyncBaseTransport):
    """Counts the requests made while building, to report the rate."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        return await self.inner.handle_async_request(request)


async def build(stack: Stack, tokens: dict[str, str], args: argparse.Namespace) -> Municipality:
    rng = random.Random(args.seed)
    started = time.perf_counter()
    transport = Counting()

    def client(token: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=stack.url("gateway"), headers={"Authorization": f"Bearer {token}"}, timeout=60, transport=transport
        )

    async with client(tokens["kf.demo"]) as kf, client(tokens["admin.demo"]) as admin:
        [home] = (await body_of(kf, "GET", "/api/me"))["assignments"]
        council = str(home["org_unit_id"])
        boards = [Board(number) for number in range(1, args.boards + 1)]
        units_before = await replica_units(stack)

        async def organise(board: Board) -> None:
            """The board, its administration and its units in the directory; its namnd user."""
            n = board.number
            unit = {"external_codes": {}, "valid_from": VALID_FROM}
            made = await body_of(
                admin,
                "POST",
                f"{DIRECTORY}/org-units",
                201,
                json=unit | {"type": "board", "parent_id": council, "name": f"Nämnd {n:02d}", "short_name": f"N{n:02d}"},
            )
            board.id = made["id"]
            administration = await body_of(
                admin,
                "POST",
                f"{DIRECTORY}/org-units",
                201,
                json=unit | {"type": "administration", "parent_id": board.id, "name": f"Förvaltning {n:02d}", "short_name": f"F{n:02d}"},
            )
            for u in range(1, args.units + 1):
                await call(
                    admin,
                    "POST",
                    f"{DIRECTORY}/org-units",
                    201,
                    json=unit
                    | {
                        "type": "unit",
                        "parent_id": administration["id"],
                        "name": f"Enhet {n:02d}-{u:02d}",
                        "short_name": f"E{n:02d}{u:02d}",
                    },
                )
            board.subject = f"bench.namnd.{n:02d}"
            user = await body_of(
                admin, "POST", f"{DIRECTORY}/users", 201, json={"subject": board.subject, "display_name": f"Nämndens ordförande {n:02d}"}
            )
            await call(
                admin, "POST", f"{DIRECTORY}/users/{user['id']}/role-assignments", 201, json={"role": "namnd", "org_unit_id": board.id}
            )
            minted = await body_of(admin, "POST", "/api/auth/dev-token", json={"subject": board.subject})
            board.token = minted["access_token"]

        await each(args.build_concurrency, boards, organise)
        units = args.boards * (args.units + 2)
        await wait_for_replicas(stack, units_before + units)
        print(f"  directory: {units:,} org units, {args.boards} board users ({time.perf_counter() - started:.1f} s)", flush=True)

        # The council's goals: a mandate period, the indicator catalogue, the municipal goals.
        period = await body_of(kf, "POST", f"{GOALS}/mandate-periods", 201, json={"start_year": YEAR})
        indicators = [
            (
                await body_of(
                    kf,
                    "POST",
                    f"{GOALS}/indicators",
                    201,
                    json={
                        "name": f"Nyckeltal {i + 1:02d}",
                        "unit": "%",
                        "direction": "HIGHER_IS_BETTER",
                        "frequency": "MONTHLY",
                        "source": "INTERNAL",
                        "gender_split": False,
                    },
                )
            )["id"]
            for i in range(10)
        ]
        decision = {"decision_date": f"{YEAR - 1}-11-20", "reference": f"§ 12/{YEAR - 1}"}

        async def goal_in_force(http: httpx.AsyncClient, goal: dict[str, Any], org_unit: str, decided_by: str) -> str:
            """A goal drafted, followed by an indicator with outcomes, proposed and decided; its lineage id."""
            made = await call(http, "POST", f"{GOALS}/goals", 201, json=goal)
            created = made.json()
            use = await body_of(
                http,
                "POST",
                f"{GOALS}/indicator-uses",
                201,
                json={"indicator_id": rng.choice(indicators), "org_unit_id": org_unit, "goal_id": created["id"]},
            )
            for month in OUTCOME_MONTHS:
                outcome = {"total": str(rng.randint(40, 95))}
                await call(http, "PUT", f"{GOALS}/indicator-uses/{use['id']}/outcomes/{YEAR}-{month:02d}", 201, json=outcome)
            path = f"{GOALS}/goals/{created['id']}"
            tag = (await call(http, "GET", path)).headers["ETag"]
            proposed = await call(http, "POST", f"{path}/proposal", headers={"If-Match": tag})
            await call(
                http, "POST", f"{path}/decision", headers={"If-Match": proposed.headers["ETag"]}, json=decision | {"body": decided_by}
            )
            return str(created.get("lineage_id") or created["id"])

        common = {"start_year": YEAR, "end_year": YEAR, "perspective": "OPERATIONS"}
        municipal = []
        for i in range(MUNICIPAL_GOALS):
            goal = common | {
                "level": "MUNICIPAL",
                "owner_org_unit_id": council,
                "title": f"Kommunmål {i + 1}",
                "mandate_period_id": period["id"],
                "end_year": YEAR + 3,
            }
            municipal.append(await goal_in_force(kf, goal, council, "Kommunfullmäktige"))

        async def board_goals(board: Board) -> None:
            async with client(board.token) as namnd:

                async def one(g: int) -> str:
                    goal = common | {
                        "level": "BOARD",
                        "owner_org_unit_id": board.id,
                        "title": f"Nämndmål {board.number:02d}.{g + 1:02d}",
                        "contributes_to": [municipal[g % MUNICIPAL_GOALS]],
                    }
                    return await goal_in_force(namnd, goal, board.id, f"Nämnd {board.number:02d}")

                await each(2, list(range(args.goals)), one)
                await call(
                    namnd,
                    "PUT",
                    f"{BUDGET}/forecasts/{board.id}/{YEAR}/FORECAST",
                    201,
                    json={"amount": f"{rng.randint(95, 105) * 1_000_000}.00", "comment": "Prognos efter april."},
                )
                await call(
                    namnd,
                    "POST",
                    f"{IC}/control-plans",
                    201,
                    json={"board_org_unit_id": board.id, "year": YEAR, "title": f"Internkontrollplan {YEAR}, nämnd {board.number:02d}"},
                )

        # The budget first: a board's forecast is set against its frame.
        answer = await call(kf, "POST", f"{BUDGET}/budgets", 201, json={"year": YEAR, "title": f"Mål och budget {YEAR}"})
        budget = f"{BUDGET}/budgets/{answer.json()['id']}"
        years = (YEAR, YEAR + 1, YEAR + 2)
        steps: list[tuple[str, str, dict[str, Any] | None]] = [
            ("PUT", "lines", {"lines": [{"kind": "TAX_REVENUE", "year": y, "amount": "9000000000.00"} for y in years]}),
            (
                "PUT",
                "frames",
                {
                    "frames": [
                        {"board_org_unit_id": b.id, "kind": "OPERATING", "year": y, "amount": "100000000.00"} for b in boards for y in years
                    ]
                },
            ),
            ("POST", "proposal", None),
            ("POST", "decision", {"body": "Kommunfullmäktige", "decision_date": f"{YEAR - 1}-06-15", "reference": f"KF § 40/{YEAR - 1}"}),
        ]
        for method, part, payload in steps:
            answer = await call(kf, method, f"{budget}/{part}", json=payload, headers={"If-Match": answer.headers["ETag"]})

        await each(args.build_concurrency, boards, board_goals)
        await call(kf, "POST", f"{FOLLOWUP}/cycles/{YEAR}", 201)
        [occasion] = [o for o in (await call(kf, "GET", f"{FOLLOWUP}/occasions", params={"year": YEAR})).json() if o["kind"] == "FORECAST"]
    seconds = time.perf_counter() - started
    return Municipality(council, boards, occasion, units, transport.count, seconds)


async def replica_units(stack: Stack) -> int:
    """The fewest org units any service's replica holds now (from its /readyz)."""
    counts = []
    async with httpx.AsyncClient(timeout=10) as http:
        for app in SERVICES:
            counts.append(int((await http.get(stack.url(app.name) + "/readyz")).json()["directory"]["units"]))
    return min(counts)


async def wait_for_replicas(stack: Stack, units: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while await replica_units(stack) < units:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the services' replicas did not reach {units} org units in {timeout:.0f} s")
        await asyncio.sleep(0.5)


# --- the measured follow-up ----------------------------------------------------------------


@dataclass
class Figures:
    refresh: list[float] = field(default_factory=list)
    board_decide: list[float] = field(default_factory=list)
    board_propose: list[float] = field(default_factory=list)
    compilation: list[float] = field(default_factory=list)
    municipal_refresh: float = 0.0
    municipal_propose: float = 0.0
    municipal_decide: float = 0.0
    reads: dict[str, list[float]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    boards_seconds: float = 0.0
    boards_cpu: dict[str, float] = field(default_factory=dict)  # each app's CPU seconds over the boards' follow-up, and ours


def sections_of(occasion: dict[str, Any], level: str) -> list[dict[str, Any]]:
    return [h for h in occasion["headings"] if h["required"] and level in h.get("levels", [level])]


async def drafted(
    http: httpx.AsyncClient, occasion: dict[str, Any], org_unit: str, level: str, rng: random.Random
) -> tuple[str, str, float]:
    """A report created, refreshed, every goal in force assessed, the required sections written;
    its path, its ETag and the seconds the refresh took."""
    made = await body_of(http, "POST", f"{FOLLOWUP}/reports", 201, json={"occasion_id": occasion["id"], "org_unit_id": org_unit})
    path = f"{FOLLOWUP}/reports/{made['id']}"
    refreshed, refresh_seconds = await timed(call(http, "POST", f"{path}/refresh", retry=False))
    tag = refreshed.headers["ETag"]
    for goal in refreshed.json()["preview"]["goals"]:
        goal_id = goal["goal"]["goal_id"]
        assessment = {"level_code": rng.choice(LEVELS), "analysis": f"Analys av {goal['goal']['title']}: utfallet följer planen."}
        tag = (await call(http, "PUT", f"{path}/assessments/{goal_id}", json=assessment, headers={"If-Match": tag})).headers["ETag"]
    for heading in sections_of(occasion, level):
        text = {"text": f"{heading['title_sv']}: enligt plan."}
        tag = (await call(http, "PUT", f"{path}/sections/{heading['key']}", json=text, headers={"If-Match": tag})).headers["ETag"]
    return path, tag, refresh_seconds


async def transition(http: httpx.AsyncClient, path: str, tag: str, step: str, **body: Any) -> tuple[httpx.Response, float]:
    return await timed(call(http, "POST", f"{path}/transitions", json={"transition": step, **body}, headers={"If-Match": tag}, retry=False))


async def follow_up(
    stack: Stack, tokens: dict[str, str], municipality: Municipality, args: argparse.Namespace, pids: dict[str, int]
) -> Figures:
    rng = random.Random(args.seed + 1)
    figures = Figures()
    occasion = municipality.occasion
    clients = Clients(stack.url("gateway"))
    try:

        async def board_report(board: Board) -> str:
            http = clients.of(board.token)
            path, tag, seconds = await drafted(http, occasion, board.id, "BOARD", rng)
            figures.refresh.append(seconds)
            proposed, seconds = await transition(http, path, tag, "PROPOSE")
            figures.board_propose.append(seconds)
            decision = {
                "body": f"Nämnd {board.number:02d}",
                "decision_date": f"{YEAR}-05-18",
                "reference": f"N{board.number:02d} § 41/{YEAR}",
            }
            decided, seconds = await transition(http, path, proposed.headers["ETag"], "DECIDE", decision=decision)
            figures.board_decide.append(seconds)
            if decided.json()["status"] != "DECIDED" or not decided.json()["document_hash"]:
                raise CallFailed(f"board {board.number}: not decided: {decided.text[:300]}")
            return path

        started, cpu_before, own_before = time.perf_counter(), {name: cpu_seconds(pid) for name, pid in pids.items()}, time.process_time()
        board_paths = await each(args.concurrency, municipality.boards, board_report)
        figures.boards_seconds = time.perf_counter() - started
        figures.boards_cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        figures.boards_cpu["this benchmark"] = time.process_time() - own_before

        kf = clients.of(tokens["kf.demo"])
        council_path, council_tag, figures.municipal_refresh = await drafted(kf, occasion, municipality.council, "MUNICIPAL", rng)
        compilation_path = f"{FOLLOWUP}/occasions/{occasion['id']}/compilation"
        for _ in range(args.compilations):
            answer, seconds = await timed(call(kf, "GET", compilation_path, retry=False))
            figures.compilation.append(seconds)
        for entry in answer.json()["entries"]:
            if entry["state"] != "DECIDED":  # the demo's own boards and company: no goals, no report here
                reason = {"org_unit_id": entry["org_unit_id"], "reason": "Ingår inte i den genererade kommunen."}
                await call(kf, "POST", f"{council_path}/missing", 201, json=reason)
        proposed, figures.municipal_propose = await transition(kf, council_path, council_tag, "PROPOSE")
        decision = {"body": "Kommunfullmäktige", "decision_date": f"{YEAR}-06-15", "reference": f"KF § 60/{YEAR}"}
        adopted, figures.municipal_decide = await transition(kf, council_path, proposed.headers["ETag"], "DECIDE", decision=decision)
        if adopted.json()["status"] != "DECIDED":
            raise CallFailed(f"the municipal report is not decided: {adopted.text[:300]}")

        revisor = clients.of(tokens["revisor.demo"])
        board_path = board_paths[0]
        reads = {
            "municipal report's document": f"{council_path}/document",
            "municipal report": council_path,
            "board report's document": f"{board_path}/document",
            "board report": board_path,
        }
        for label, path in reads.items():
            for _ in range(args.warmup):
                answer = await call(revisor, "GET", path, retry=False)
            figures.sizes[label] = len(answer.content)
            times = []
            for _ in range(args.reads):
                _, seconds = await timed(call(revisor, "GET", path, retry=False))
                times.append(seconds)
            figures.reads[label] = times
    finally:
        await clients.close()
    return figures


# --- the report -----------------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(municipality: Municipality, figures: Figures, args: argparse.Namespace) -> bool:
    m = municipality
    print(
        f"\nmunicipality: {len(m.boards)} boards x {args.units} units ({m.units:,} org units), "
        f"{len(m.boards) * args.goals + MUNICIPAL_GOALS} decided goals with {len(OUTCOME_MONTHS)} monthly outcomes each, "
        f"budget, forecasts, control plans: {m.requests:,} requests in {m.seconds:.1f} s"
    )
    print(
        f"the boards' follow-up: {len(m.boards)} reports drafted, assessed ({args.goals} goals each), proposed and decided "
        f"in {figures.boards_seconds:.1f} s, {args.concurrency} board(s) at a time"
    )
    per_board = ", ".join(f"{name} {seconds / len(m.boards) * 1000:.0f}" for name, seconds in figures.boards_cpu.items())
    print(f"CPU per board report (ms; {os.cpu_count()} cores): {per_board}")
    print(f"document sizes: {', '.join(f'{label} {size / 1000:.0f} kB' for label, size in figures.sizes.items())}")

    ms = 1000.0
    rows: list[tuple[str, str, str, str, str, bool | None]] = []

    def series(label: str, values: list[float], target_ms: float | None, judged: float | None = None) -> None:
        median, p95, top = statistics.median(values) * ms, quantile(values, 0.95) * ms, max(values) * ms
        judge = top if judged is None else judged
        rows.append(
            (
                label,
                f"{median:.0f}",
                f"{p95:.0f}",
                f"{top:.0f}",
                f"<= {target_ms:.0f}" if target_ms else "-",
                None if not target_ms else judge <= target_ms,
            )
        )

    def single(label: str, value: float, target_ms: float) -> None:
        rows.append((label, f"{value * ms:.0f}", "", "", f"<= {target_ms:.0f}", value * ms <= target_ms))

    series(f"board report: refresh ({len(figures.refresh)})", figures.refresh, None)
    series(f"board report: PROPOSE ({len(figures.board_propose)})", figures.board_propose, None)
    series(f"board report: DECIDE, the snapshot ({len(figures.board_decide)})", figures.board_decide, BOARD_DECIDE_TARGET_S * ms)
    series(f"compilation GET ({len(figures.compilation)})", figures.compilation, COMPILATION_TARGET_S * ms)
    rows.append(("municipal report: refresh", f"{figures.municipal_refresh * ms:.0f}", "", "", "-", None))
    single("municipal report: PROPOSE", figures.municipal_propose, COMPILATION_TARGET_S * ms)
    single("municipal report: DECIDE", figures.municipal_decide, COMPILATION_TARGET_S * ms)
    for label, values in figures.reads.items():
        series(f"GET {label} ({len(values)})", values, READ_P95_TARGET_MS, judged=quantile(values, 0.95) * ms)

    print(f"\n  {'figure':<46}{'median ms':>10}{'p95 ms':>9}{'max ms':>9}  {'target ms':<11}verdict")
    for label, median, p95, top, target, passed in rows:
        verdict = "-" if passed is None else ("ok" if passed else "MISSED")
        print(f"  {label:<46}{median:>10}{p95:>9}{top:>9}  {target:<11}{verdict}")
    print("  (targets: every board's DECIDE and each compilation within the bound, i.e. the max; the reads' p95)")
    return all(passed is not False for *_, passed in rows)


async def run(stack: Stack, args: argparse.Namespace, pids: dict[str, int]) -> tuple[Municipality, Figures]:
    tokens = {subject: stack.mint_token(subject) for subject in DEMO_SUBJECTS}
    print("building the municipality through the gateway ...", flush=True)
    municipality = await build(stack, tokens, args)
    print("measuring the follow-up ...", flush=True)
    return municipality, await follow_up(stack, tokens, municipality, args, pids)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get("STYRKEDJAN_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--seed", type=int, default=2031)
    parser.add_argument("--reads", type=int, default=500, help="sequential GETs of each read after the warm-up")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--boards", type=int, default=60)
    parser.add_argument("--units", type=int, default=20, help="units per board")
    parser.add_argument("--goals", type=int, default=10, help="board goals in force per board")
    parser.add_argument("--compilations", type=int, default=10, help="timed reads of the compilation")
    parser.add_argument("--concurrency", type=int, default=1, help="boards making their report at the same time (measured)")
    parser.add_argument("--build-concurrency", type=int, default=8, help="boards built at the same time (not measured)")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()

    # A board may hold this many goals in force at once; the replicas read the directory every
    # second, so the services know the generated units soon after they are made.
    settings = {"goals": {"GOALS_MAX_BOARD_GOALS_IN_FORCE": str(args.goals)}}
    with system_on_postgres(
        args.postgres, "bench_followup", log_level=args.log_level, extra_env=settings, directory_sync_interval_seconds=1.0
    ) as (stack, pids):
        municipality, figures = asyncio.run(run(stack, args, pids))
    return 0 if report(municipality, figures, args) else 1


if __name__ == "__main__":
    sys.exit(main())

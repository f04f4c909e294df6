"""The load check: virtual users with think time reading the screens and writing through the
gateway on PostgreSQL, from outside, as a busy municipality would. Not a timed test: run by hand
on a quiet machine.

    make load                  (or: python -m bench.load_check)
    make load ARGS="--users 300"          one step only
    make load ARGS="--duration 30 --step 50"

Starts the whole system (gateway and services, one uvicorn process each, as in production) on
fresh PostgreSQL databases, builds a small municipality's year (a mandate period and a decided
chain of goals with indicators followed monthly, a decided budget with a board's frame, a risk
assessment), then runs steps of virtual users. Each user repeats: a request, then about a second
of think time (0.8 to 1.2 s; after a 503 at least its Retry-After). The requests are a mix of
screen reads (the thread, the budget summary, lists of goals, indicator outcomes and risk
assessments, the risk matrix) and writes (an indicator outcome, a unit goal, a risk), each made
by a demo user whose role makes it.

The load comes from its own process (asyncio and aiohttp; --generators for several), whose CPU is
reported beside the apps', so it can be seen not to be the bottleneck.

Steps and targets (p95 over every answer that began in the measured window, after the ramp-up):
  1. 200 users: no error of any kind, p95 <= 50 ms;
  2. the knee: users stepped up from 200 until p95 > 150 ms or a request is refused or fails; the
     knee is the most users with p95 <= 150 ms and nothing refused;
  3. twice the knee: successful throughput >= 90 % of the peak of the steps, every refusal a 503
     with Retry-After, quickly (p95 of the 503s <= 250 ms), no other error;
and after every step: no write lost (every accepted write is listed, and the audit trail holds
exactly one creation for each accepted write and none for a refused one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.gateway_bench import cpu_seconds
from bench.system import system_on_postgres
from tools.stack import Stack

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
GOALS = "/api/goals/v1"
BUDGET = "/api/budget/v1"
IC = "/api/internal-control/v1"
YEAR = 2031  # the year the screens show
WRITE_YEAR = 2032  # goals and risks written under load go to the next year, so the screens read a steady amount
UNIT_GOALS = 20  # unit goals of the read year, each following the monthly indicator once
FIRST_OUTCOME_YEAR = 2000  # outcomes are written month by month from here (the first year taken), each (use, month) once

# What a user does, and how often (per 100 requests): 80 screen reads, 20 writes.
MIX: dict[str, int] = {
    "thread": 14,
    "budget summary": 14,
    "goal list": 16,
    "risk matrix": 14,
    "risk assessment list": 10,
    "outcome list": 12,
    "write outcome": 8,
    "write goal": 6,
    "write risk": 6,
}
WRITES = ("write outcome", "write goal", "write risk")

P95_AT_200_MS = 50.0
KNEE_P95_MS = 150.0
OVERLOAD_THROUGHPUT_SHARE = 0.90
QUICK_503_MS = 250.0


# --- the municipality's year ---------------------------------------------------------------


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body


def prepare(gateway_url: str, tokens: dict[str, str]) -> dict[str, Any]:
    """The data the screens show; returns what the virtual users need to know (ids)."""

    def client(subject: str) -> httpx.Client:
        return httpx.Client(base_url=gateway_url, headers={"Authorization": f"Bearer {tokens[subject]}"}, timeout=30)

    with client("kf.demo") as kf, client("namnd.demo") as namnd, client("forvaltning.demo") as forvaltning, client("enhet.demo") as enhet:

        def home(http: httpx.Client) -> str:
            return str(_ok(http.get("/api/me"))["assignments"][0]["org_unit_id"])

        council, board, school = home(kf), home(namnd), home(enhet)
        decision = {"decision_date": f"{YEAR - 1}-11-20", "reference": f"§ 12/{YEAR - 1}"}

        def decide(proposer: httpx.Client, decider: httpx.Client, goal: dict[str, Any], body: str) -> None:
            path = f"{GOALS}/goals/{goal['id']}"
            proposed = proposer.post(f"{path}/proposal", headers={"If-Match": proposer.get(path).headers["etag"]})
            _ok(proposed)
            _ok(decider.post(f"{path}/decision", headers={"If-Match": proposed.headers["etag"]}, json=decision | {"body": body}))

        period = _ok(kf.post(f"{GOALS}/mandate-periods", json={"start_year": YEAR}), 201)
        indicator = _ok(
            kf.post(
                f"{GOALS}/indicators",
                json={
                    "name": "Andel elever som läser varje dag",
                    "unit": "%",
                    "direction": "HIGHER_IS_BETTER",
                    "frequency": "MONTHLY",
                    "source": "INTERNAL",
                    "gender_split": False,
                },
            ),
            201,
        )
        goal = {"start_year": YEAR, "end_year": YEAR, "perspective": "OPERATIONS"}
        municipal = _ok(
            kf.post(
                f"{GOALS}/goals",
                json=goal
                | {
                    "level": "MUNICIPAL",
                    "owner_org_unit_id": council,
                    "title": "Fler barn och unga lyckas i skolan",
                    "mandate_period_id": period["id"],
                    "end_year": YEAR + 3,
                },
            ),
            201,
        )

        def follow(writer: httpx.Client, goal: dict[str, Any], org_unit_id: str) -> str:
            body = {"indicator_id": indicator["id"], "org_unit_id": org_unit_id, "goal_id": goal["id"]}
            return str(_ok(writer.post(f"{GOALS}/indicator-uses", json=body), 201)["id"])

        follow(kf, municipal, council)  # a goal is decided only with an indicator to follow it up
        decide(kf, kf, municipal, "Kommunfullmäktige")
        board_goal = _ok(
            forvaltning.post(
                f"{GOALS}/goals",
                json=goal
                | {
                    "level": "BOARD",
                    "owner_org_unit_id": board,
                    "title": "Fler elever når kunskapskraven",
                    "contributes_to": [municipal["id"]],
                },
            ),
            201,
        )
        follow(forvaltning, board_goal, board)
        _ok(
            forvaltning.post(
                f"{GOALS}/goals/{board_goal['id']}/proposal",
                headers={"If-Match": forvaltning.get(f"{GOALS}/goals/{board_goal['id']}").headers["etag"]},
            )
        )
        path = f"{GOALS}/goals/{board_goal['id']}"
        _ok(
            namnd.post(
                f"{path}/decision",
                headers={"If-Match": namnd.get(path).headers["etag"]},
                json=decision | {"body": "Barn- och utbildningsnämnden"},
            )
        )
        uses = []
        for number in range(UNIT_GOALS):
            unit_goal = _ok(
                enhet.post(
                    f"{GOALS}/goals",
                    json=goal
                    | {
                        "level": "UNIT",
                        "owner_org_unit_id": school,
                        "title": f"Läsning varje dag, klass {number + 1}",
                        "contributes_to": [board_goal["id"]],
                    },
                ),
                201,
            )
            use = follow(forvaltning, unit_goal, school)
            uses.append(use)
            _ok(enhet.put(f"{GOALS}/indicator-uses/{use}/outcomes/{YEAR}-01", json={"total": "70"}), 201)

        budget_response = kf.post(f"{BUDGET}/budgets", json={"year": YEAR, "title": f"Mål och budget {YEAR}"})
        _ok(budget_response, 201)
        budget_path = f"{BUDGET}/budgets/{budget_response.json()['id']}"

        def budget_step(response: httpx.Response, method: str, part: str, body: dict[str, Any] | None = None) -> httpx.Response:
            answer = kf.request(method, f"{budget_path}/{part}", json=body, headers={"If-Match": response.headers["etag"]})
            _ok(answer)
            return answer

        years = (YEAR, YEAR + 1, YEAR + 2)
        budget_response = budget_step(
            budget_response, "PUT", "lines", {"lines": [{"kind": "TAX_REVENUE", "year": y, "amount": "1000000000.00"} for y in years]}
        )
        frames = [{"board_org_unit_id": board, "kind": "OPERATING", "year": y, "amount": "900000000.00"} for y in years]
        budget_response = budget_step(budget_response, "PUT", "frames", {"frames": frames})
        budget_response = budget_step(budget_response, "POST", "proposal")
        budget_step(
            budget_response,
            "POST",
            "decision",
            {"body": "Kommunfullmäktige", "decision_date": f"{YEAR - 1}-06-15", "reference": f"KF § 40/{YEAR - 1}"},
        )

        def assessment(year: int) -> str:
            created = forvaltning.post(
                f"{IC}/risk-assessments", json={"board_org_unit_id": board, "year": year, "title": f"Riskanalys {year}"}
            )
            return str(_ok(created, 201)["id"])

        shown, written = assessment(YEAR), assessment(WRITE_YEAR)
        for number, (likelihood, consequence) in enumerate([(1, 2), (2, 3), (3, 4), (4, 4), (2, 1), (3, 3)]):
            _ok(
                forvaltning.post(
                    f"{IC}/risk-assessments/{shown}/risks",
                    json={
                        "process": "Inköp",
                        "description": f"Risk {number + 1}",
                        "likelihood": likelihood,
                        "consequence": consequence,
                        "decision": "CONTROL",
                    },
                ),
                201,
            )
    return {"school": school, "uses": uses, "assessment": shown, "written_assessment": written}


# --- the virtual users (the generator process) ---------------------------------------------


@dataclass
class Plan:
    gateway_url: str
    tokens: dict[str, str]
    ids: dict[str, Any]
    users: int
    ramp_seconds: float
    measure_seconds: float
    think_seconds: float
    outcome_base: int  # outcome slots are numbered; this generator takes base + index + k * stride
    outcome_stride: int
    seed: int


def outcome_slot(ids: dict[str, Any], slot: int) -> tuple[str, str]:
    """The (indicator use, month) of an outcome slot: each slot is written once."""
    uses = ids["uses"]
    use, month_number = uses[slot % len(uses)], slot // len(uses)
    year, month = FIRST_OUTCOME_YEAR + month_number // 12, month_number % 12 + 1
    return use, f"{year}-{month:02d}"


async def generate(plan: Plan, first_slot: int) -> dict[str, Any]:
    import aiohttp

    random.seed(plan.seed)
    kinds, weights = list(MIX), list(MIX.values())
    ids = plan.ids
    started_at = time.monotonic()
    measure_from = started_at + plan.ramp_seconds
    stop_at = measure_from + plan.measure_seconds
    records: list[tuple[str, int, float, float, bool]] = []  # kind, status, began (s from measure start), ms, retry-after given
    accepted: dict[str, list[str]] = {kind: [] for kind in WRITES}
    attempted: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    samples: list[str] = []  # a few unexpected answers, to say what went wrong
    next_slot = first_slot
    headers = {subject: {"Authorization": f"Bearer {token}"} for subject, token in plan.tokens.items()}
    written_goal = {
        "level": "UNIT",
        "owner_org_unit_id": ids["school"],
        "start_year": WRITE_YEAR,
        "end_year": WRITE_YEAR,
        "perspective": "OPERATIONS",
    }

    def request(kind: str) -> tuple[str, str, str, dict[str, Any] | None]:
        """Method, path, caller and body of one request of this kind."""
        nonlocal next_slot
        if kind == "thread":
            return "GET", f"{GOALS}/thread?year={YEAR}", "kf.demo", None
        if kind == "budget summary":
            return "GET", f"{BUDGET}/summaries/{YEAR}", "kf.demo", None
        if kind == "goal list":
            return "GET", f"{GOALS}/goals?year={YEAR}&limit=20", "namnd.demo", None
        if kind == "risk matrix":
            return "GET", f"{IC}/risk-assessments/{ids['assessment']}/matrix", "namnd.demo", None
        if kind == "risk assessment list":
            return "GET", f"{IC}/risk-assessments?year={YEAR}", "forvaltning.demo", None
        if kind == "outcome list":
            return "GET", f"{GOALS}/indicator-uses/{random.choice(ids['uses'])}/outcomes?limit=20", "enhet.demo", None
        if kind == "write outcome":
            use, period = outcome_slot(ids, next_slot)
            next_slot += plan.outcome_stride
            return "PUT", f"{GOALS}/indicator-uses/{use}/outcomes/{period}", "enhet.demo", {"total": str(random.randint(0, 100))}
        if kind == "write goal":
            return "POST", f"{GOALS}/goals", "enhet.demo", written_goal | {"title": f"Mål {uuid.uuid4().hex[:12]}"}
        if kind == "write risk":
            risk = {"process": "Inköp", "description": f"Risk {uuid.uuid4().hex[:12]}", "likelihood": random.randint(1, 4)}
            return (
                "POST",
                f"{IC}/risk-assessments/{ids['written_assessment']}/risks",
                "forvaltning.demo",
                risk
                | {
                    "consequence": random.randint(1, 4),
                    "decision": "ACCEPT" if risk["likelihood"] == 1 else "CONTROL",
                },
            )
        raise ValueError(kind)

    async def user(session: aiohttp.ClientSession) -> None:
        await asyncio.sleep(random.uniform(0, plan.ramp_seconds))
        while time.monotonic() < stop_at:
            kind = random.choices(kinds, weights)[0]
            method, path, caller, body = request(kind)
            began = time.monotonic()
            retry_after = None
            identity = None
            try:
                async with session.request(method, plan.gateway_url + path, json=body, headers=headers[caller]) as response:
                    payload = await response.read()
                    status = response.status
                    retry_after = response.headers.get("Retry-After")
                    if kind in WRITES and status == 201:
                        identity = json.loads(payload)["id"]
                    elif status >= 400 and status != 503 and len(samples) < 10:
                        samples.append(f"{kind} {status}: {payload[:300].decode(errors='replace')}")
            except (aiohttp.ClientError, TimeoutError) as exc:
                status = 0
                errors[type(exc).__name__] += 1
            ended = time.monotonic()
            if kind in WRITES:
                attempted[kind] += 1
                if identity is not None:
                    accepted[kind].append(identity)
            if began >= measure_from:
                records.append((kind, status, began - measure_from, (ended - began) * 1000, retry_after is not None))
            think = random.uniform(0.8, 1.2) * plan.think_seconds
            if status == 503 and retry_after and retry_after.isdigit():
                think = max(think, float(retry_after))
            await asyncio.sleep(max(0.0, think - (time.monotonic() - ended)))

    cpu_before = time.process_time()
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=30)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(user(session) for _ in range(plan.users)))
    return {
        "records": records,
        "accepted": accepted,
        "attempted": dict(attempted),
        "client_errors": dict(errors),
        "samples": samples,
        "cpu_seconds": time.process_time() - cpu_before,
        "wall_seconds": time.monotonic() - started_at,
        "last_slot": next_slot,
    }


def generator_main(plan_file: str, first_slot: int) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    plan = Plan(**json.loads(Path(plan_file).read_text()))
    result = asyncio.run(generate(plan, first_slot))
    # To a file beside the plan, not to stdout: the event loop may leave stdout non-blocking,
    # and a large write to a pipe would then be cut short.
    Path(plan_file).with_suffix(".result.json").write_text(json.dumps(result))


# --- the steps (the orchestrating process) ---------------------------------------------------


@dataclass
class Step:
    users: int
    seconds: float
    records: list[tuple[str, int, float, float, bool]]
    accepted: dict[str, list[str]]
    attempted: dict[str, int]
    client_errors: dict[str, int]
    generator_cpu: float
    app_cpu: dict[str, float]
    lost: list[str] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)

    def latencies(self, status: int | None = None, kind: str | None = None) -> list[float]:
        return [r[3] for r in self.records if (status is None or r[1] == status) and (kind is None or r[0] == kind)]

    @property
    def statuses(self) -> Counter[int]:
        return Counter(r[1] for r in self.records)

    def p(self, quantile: float, status: int | None = None, kind: str | None = None) -> float:
        values = sorted(self.latencies(status, kind))
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(quantile * len(values)))]

    @property
    def throughput(self) -> float:
        return len(self.records) / self.seconds

    @property
    def served(self) -> float:
        return sum(1 for r in self.records if 200 <= r[1] < 300) / self.seconds

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    @property
    def refused(self) -> int:
        return self.statuses.get(503, 0)

    @property
    def refused_without_retry_after(self) -> int:
        return sum(1 for r in self.records if r[1] == 503 and not r[4])


def run_step(
    stack: Stack, tokens: dict[str, str], ids: dict[str, Any], users: int, args: argparse.Namespace, slot: int, pids: dict[str, int]
) -> tuple[Step, int]:
    generators = max(1, min(args.generators, users))
    with tempfile.TemporaryDirectory(prefix="styrkedjan-load-") as folder:
        processes = []
        started = time.time()  # no write of this step is older
        for index in range(generators):
            share = users // generators + (1 if index < users % generators else 0)
            plan = Plan(
                stack.url("gateway"), tokens, ids, share, args.ramp, args.duration, args.think, slot, generators, random.randrange(1 << 30)
            )
            plan_file = Path(folder) / f"plan-{index}.json"
            plan_file.write_text(json.dumps(plan.__dict__))
            command = [sys.executable, "-m", "bench.load_check", "--generator", str(plan_file), "--first-slot", str(slot + index)]
            processes.append(subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent))
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        for process in processes:
            process.wait()
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        if any(process.returncode for process in processes):
            raise RuntimeError("a load generator failed")
        results = [json.loads((Path(folder) / f"plan-{index}.result.json").read_text()) for index in range(generators)]
    records = [tuple(r) for result in results for r in result["records"]]
    accepted = {kind: [i for result in results for i in result["accepted"][kind]] for kind in WRITES}
    attempted = {kind: sum(result["attempted"].get(kind, 0) for result in results) for kind in WRITES}
    client_errors: Counter[str] = Counter()
    for result in results:
        client_errors.update(result["client_errors"])
    step = Step(
        users,
        args.duration,
        records,  # type: ignore[arg-type]
        accepted,
        attempted,
        dict(client_errors),
        sum(result["cpu_seconds"] for result in results),
        cpu,
    )
    step.lost = lost_writes(stack.url("gateway"), tokens, ids, step, started)
    step.samples = [sample for result in results for sample in result["samples"]][:5]
    next_slot = max(result["last_slot"] for result in results) + generators
    return step, next_slot


# --- no write lost --------------------------------------------------------------------------


def _pages(http: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = _ok(http.get(path, params=params | {"limit": 200} | ({"cursor": cursor} if cursor else {})))
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def lost_writes(gateway_url: str, tokens: dict[str, str], ids: dict[str, Any], step: Step, since: float) -> list[str]:
    """What does not add up: an accepted write that is not listed, or an audit trail whose creations
    since the step began are not exactly the accepted writes (one each, none for a refused write)."""
    problems = []

    def client(subject: str) -> httpx.Client:
        return httpx.Client(base_url=gateway_url, headers={"Authorization": f"Bearer {tokens[subject]}"}, timeout=60)

    with client("enhet.demo") as enhet, client("forvaltning.demo") as forvaltning, client("revisor.demo") as revisor:
        listed_goals = {g["id"] for g in _pages(enhet, f"{GOALS}/goals", {"year": WRITE_YEAR, "owner_org_unit_id": ids["school"]})}
        listed_outcomes = {o["id"] for use in ids["uses"] for o in _pages(enhet, f"{GOALS}/indicator-uses/{use}/outcomes", {})}
        matrix = _ok(forvaltning.get(f"{IC}/risk-assessments/{ids['written_assessment']}/matrix"))
        listed_risks = set()
        for risk in step.accepted["write risk"]:
            if forvaltning.get(f"{IC}/risks/{risk}").status_code == 200:
                listed_risks.add(risk)
        for kind, listed in (("write goal", listed_goals), ("write outcome", listed_outcomes), ("write risk", listed_risks)):
            missing = set(step.accepted[kind]) - listed
            if missing:
                problems.append(f"{kind}: {len(missing)} accepted but not listed")
        ids.setdefault("risks_written", 0)
        ids["risks_written"] += len(step.accepted["write risk"])
        counted = _matrix_total(matrix)
        if counted != ids["risks_written"]:
            problems.append(f"write risk: the matrix counts {counted} risks, {ids['risks_written']} were accepted")

        accepted_ids = {i for kind in WRITES for i in step.accepted[kind]}
        for api in (GOALS, IC):
            created: Counter[str] = Counter()
            kinds_written = set()
            cursor = None
            done = False
            while not done:
                page = _ok(revisor.get(f"{api}/audit-events", params={"limit": 200} | ({"cursor": cursor} if cursor else {})))
                for event in page["items"]:
                    if _timestamp(event["occurred_at"]) < since:
                        done = True
                        break
                    if event["action"] == "CREATE":
                        created[event["entity_type"]] += 1
                        if event["entity_id"] in accepted_ids:
                            kinds_written.add(event["entity_type"])
                cursor = page.get("next_cursor")
                done = done or not cursor
            expected = sum(len(step.accepted[kind]) for kind in WRITES if (api == IC) == (kind == "write risk"))
            recorded = sum(created[entity_type] for entity_type in kinds_written)
            if recorded != expected:
                problems.append(f"{api}: {recorded} creations in the audit trail, {expected} writes accepted")
    return problems


def _matrix_total(matrix: dict[str, Any]) -> int:
    return int(matrix["total"])


def _timestamp(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# --- the report -----------------------------------------------------------------------------


def describe(step: Step) -> str:
    statuses = (
        ", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(step.statuses.items()) if not 200 <= status < 300) or "none"
    )
    refused = step.refused
    share = refused / max(1, len(step.records))
    quick = f"p50 {step.p(0.5, 503):.0f} / p95 {step.p(0.95, 503):.0f} ms" if refused else "-"
    apps = " ".join(f"{name} {seconds / step.seconds:.2f}" for name, seconds in step.app_cpu.items())
    lines = [
        f"{step.users:>5} users  {step.throughput:7.1f} req/s ({step.served:7.1f} served)  "
        f"p50 {step.p(0.5):7.1f}  p95 {step.p(0.95):7.1f}  p99 {step.p(0.99):7.1f} ms   errors {statuses}",
        f"       503 share {share:6.1%}  503 latency {quick}  without Retry-After {step.refused_without_retry_after}   "
        f"generator CPU {step.generator_cpu / step.seconds:.2f} cores   apps' CPU (cores): {apps}",
        f"       writes accepted {sum(len(v) for v in step.accepted.values())} of {sum(step.attempted.values())}   "
        f"lost: {'; '.join(step.lost) if step.lost else 'none'}",
    ]
    by_kind = sorted({r[0] for r in step.records}, key=lambda kind: -step.p(0.95, kind=kind))
    lines.append("       p95 by request: " + ", ".join(f"{kind} {step.p(0.95, kind=kind):.0f}" for kind in by_kind))
    lines += [f"       e.g. {sample}" for sample in step.samples]
    if step.client_errors:
        lines.append(f"       client errors: {step.client_errors}")
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get("STYRKEDJAN_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--users", type=int, help="run this one step only (no targets judged but the write check)")
    parser.add_argument("--start", type=int, default=200, help="the first step's users (the 200-user target)")
    parser.add_argument("--step", type=int, default=50, help="users added per step while looking for the knee")
    parser.add_argument("--max-users", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per step")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds over which the users start (not measured)")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time (s)")
    parser.add_argument("--pause", type=float, default=3.0, help="seconds of quiet between steps")
    parser.add_argument("--generators", type=int, default=1, help="load generator processes")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument(
        "--env", action="append", default=[], help="APP:NAME=VALUE for an app's environment, e.g. goals:GOALS_MAX_CONCURRENT_REQUESTS=16"
    )
    parser.add_argument("--generator", help=argparse.SUPPRESS)
    parser.add_argument("--first-slot", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generator:
        generator_main(args.generator, args.first_slot)
        return 0

    extra: dict[str, dict[str, str]] = {}
    for setting in args.env:
        app, _, assignment = setting.partition(":")
        name, _, value = assignment.partition("=")
        extra.setdefault(app, {})[name] = value
    steps: list[Step] = []
    with system_on_postgres(args.postgres, "load", log_level=args.log_level, extra_env=extra) as (stack, pids):
        tokens = {s: stack.mint_token(s) for s in ("kf.demo", "namnd.demo", "forvaltning.demo", "enhet.demo", "revisor.demo")}
        ids = prepare(stack.url("gateway"), tokens)
        print(
            f"PostgreSQL, {os.cpu_count()} cores; {args.duration:.0f} s measured per step after {args.ramp:.0f} s of ramp-up; "
            f"think time {args.think} s; mix: {', '.join(f'{k} {v}' for k, v in MIX.items())}",
            flush=True,
        )
        slot = 0

        def measure(users: int) -> Step:
            nonlocal slot
            step, slot = run_step(stack, tokens, ids, users, args, slot, pids)
            steps.append(step)
            print(describe(step), flush=True)
            time.sleep(args.pause)
            return step

        if args.users:
            step = measure(args.users)
            return 0 if not step.lost else 1

        first = measure(args.start)
        knee: Step | None = first if first.p(0.95) <= KNEE_P95_MS and first.errors == 0 else None
        users = args.start
        while knee is not None and knee.users == users and users + args.step <= args.max_users:
            users += args.step
            step = measure(users)
            if step.p(0.95) <= KNEE_P95_MS and step.errors == 0:
                knee = step
        overload = measure(2 * knee.users) if knee is not None else None

    peak = max(steps, key=lambda s: s.served)
    checks: list[tuple[str, str, bool]] = [
        (f"{first.users} users: no error", f"{first.errors} errors", first.errors == 0),
        (f"{first.users} users: p95 <= {P95_AT_200_MS:.0f} ms", f"{first.p(0.95):.1f} ms", first.p(0.95) <= P95_AT_200_MS),
        ("the knee (most users at p95 <= 150 ms, nothing refused)", f"{knee.users} users" if knee else "not reached", knee is not None),
    ]
    if overload is not None:
        others = overload.errors - overload.refused
        checks += [
            (
                f"{overload.users} users (2 x knee): served >= 90 % of the peak",
                f"{overload.served:.1f} of {peak.served:.1f} req/s ({overload.served / peak.served:.0%})",
                overload.served >= OVERLOAD_THROUGHPUT_SHARE * peak.served,
            ),
            (
                f"{overload.users} users: the excess refused with 503 + Retry-After",
                f"{overload.refused} refused, {overload.refused_without_retry_after} without Retry-After, {others} other errors",
                others == 0 and overload.refused_without_retry_after == 0,
            ),
            (
                f"{overload.users} users: 503s quick (p95 <= {QUICK_503_MS:.0f} ms)",
                f"{overload.p(0.95, 503):.0f} ms" if overload.refused else "none refused",
                not overload.refused or overload.p(0.95, 503) <= QUICK_503_MS,
            ),
        ]
    lost = [f"{s.users} users: {problem}" for s in steps for problem in s.lost]
    checks.append(("no write lost (listed; audit creations = writes accepted)", "; ".join(lost) or "none lost", not lost))

    print("\nsummary")
    print(
        f"  {'users':>5} {'req/s':>8} {'served/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'503 %':>6} {'503 p95':>8} {'gen CPU':>8}"
    )
    for s in steps:
        share = s.refused / max(1, len(s.records))
        refused_p95 = f"{s.p(0.95, 503):.0f}" if s.refused else "-"
        print(
            f"  {s.users:>5} {s.throughput:>8.1f} {s.served:>9.1f} {s.p(0.5):>8.1f} {s.p(0.95):>8.1f} {s.p(0.99):>8.1f} {s.errors:>7} {share:>6.1%} {refused_p95:>8} {s.generator_cpu / s.seconds:>8.2f}"
        )
    print(f"  peak served throughput: {peak.served:.1f} req/s at {peak.users} users")
    print("\ntargets")
    for name, value, passed in checks:
        print(f"  {verdict(passed):<7} {name:<62} {value}")
    return 0 if all(passed for *_, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())

"""A large generated municipality for the goals service's benchmarks, loaded with COPY.

The same seed gives the same municipality. Org units are ids only (the goals service stores ids,
the directory lives in the gateway): boards, and units each belonging to one board. Goals span
three levels with links (board goals serve one or two municipal goals; unit goals serve a goal of
their board, now and then another unit goal, a few nothing); a few goals are amended (an archived
first revision), drafts or closed. Every goal lineage has indicator uses with yearly targets and
a long series of outcomes; activities serve one or two goals of their unit (a few none).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from styrkedjan_common.db import connect_asyncpg

NOW = dt.datetime(2027, 1, 15, 12, tzinfo=dt.UTC)
AUTHOR = "bench"
TRACKED = ("created_at", "created_by", "updated_at", "updated_by", "row_version")
PERSPECTIVES = ("OPERATIONS", "EMPLOYEES", "FINANCE")
ACTIVITY_STATUSES = ("NOT_STARTED", "ONGOING", "ONGOING", "DONE", "PAUSED")
# Outcome periods per frequency: (period label, month the period ends).
PERIODS = {
    "QUARTERLY": [(f"Q{q}", 3 * q) for q in range(1, 5)],
    "TERTIAL": [(f"T{t}", 4 * t) for t in range(1, 4)],
}


@dataclass(frozen=True)
class Shape:
    """How big the municipality is; the defaults are the benchmark's."""

    year: int = 2027  # the year the thread is read for; the mandate period starts with it
    org_units: int = 1_500
    boards: int = 15
    goals: int = 3_000
    indicator_uses: int = 10_000
    outcomes_per_use: int = 20
    activities: int = 8_000
    indicators: int = 400
    share_unit_goals_in_year: float = 0.7  # most unit goals run in the measured year: the heavy case


class _Table:
    def __init__(self, name: str, *columns: str, tracked: bool = True) -> None:
        self.name = name
        self.columns = columns + (TRACKED if tracked else ())
        self._tracked = (NOW, AUTHOR, NOW, AUTHOR, 1) if tracked else ()
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> None:
        self.rows.append(values + self._tracked)


@dataclass
class Municipality:
    shape: Shape
    boards: list[uuid.UUID]
    units_of_board: dict[uuid.UUID, list[uuid.UUID]]
    tables: list[_Table] = field(default_factory=list)

    def count(self, name: str) -> int:
        return next(len(t.rows) for t in self.tables if t.name == name)


def _json(value: Any) -> str:
    return json.dumps(value)


def generate(shape: Shape = Shape(), seed: int = 2027) -> Municipality:
    rng = random.Random(seed)

    def ids() -> uuid.UUID:  # uuid4 from the seeded generator: the same seed, the same ids
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    year, last_year = shape.year, shape.year + 3

    boards = [ids() for _ in range(shape.boards)]
    units_of_board: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for i in range(shape.org_units - shape.boards):
        units_of_board[boards[i % shape.boards]].append(ids())
    council = boards[0]  # kommunstyrelsen owns the municipal goals

    vision = _Table(
        "vision_version",
        "id",
        "revision",
        "status",
        "horizon_start_year",
        "horizon_end_year",
        "text",
        "core_values",
        "decision_body",
        "decision_date",
        "decision_reference",
    )
    vision.add(
        ids(),
        1,
        "DECIDED",
        year - 2,
        year + 10,
        "Hallstahammar – en plats att leva, verka och bo på.",
        _json([{"name": "Delaktighet", "description": ""}]),
        "Kommunfullmäktige",
        dt.date(year - 3, 6, 14),
        "KF § 45",
    )
    period = _Table("mandate_period", "id", "start_year", "end_year", "name")
    period_id = ids()
    period.add(period_id, year, last_year, f"Mandatperiod {year}–{last_year}")

    goal = _Table(
        "goal",
        "id",
        "lineage_id",
        "level",
        "owner_org_unit_id",
        "mandate_period_id",
        "start_year",
        "end_year",
        "title",
        "intent",
        "perspective",
        "sdgs",
        "external_codes",
        "closed_at",
        "closed_reason",
        "status",
        "revision",
        "decision_body",
        "decision_date",
        "decision_reference",
        "replaces_id",
    )
    link = _Table("goal_link", "goal_id", "parent_lineage_id", tracked=False)
    lineages: list[tuple[uuid.UUID, uuid.UUID, int, int]] = []  # (lineage, owner, start, end) of every goal

    def add_goal(level: str, owner: uuid.UUID, start: int, end: int, parents: list[uuid.UUID], title: str) -> uuid.UUID:
        lineage = ids()
        revisions = 2 if rng.random() < 0.08 else 1  # an amended goal: its first revision archived
        for revision in range(1, revisions + 1):
            goal_id = lineage if revision == 1 else ids()
            status = "ARCHIVED" if revision < revisions else ("DRAFT" if rng.random() < 0.04 else "DECIDED")
            decided = status != "DRAFT"
            closed = status == "DECIDED" and rng.random() < 0.03
            goal.add(
                goal_id,
                lineage,
                level,
                owner,
                period_id if level == "MUNICIPAL" else None,
                start,
                end,
                title,
                "",
                rng.choice(PERSPECTIVES),
                _json(rng.sample(range(1, 18), rng.randint(0, 3))),
                "{}",
                NOW if closed else None,
                "ACHIEVED" if closed else None,
                status,
                revision,
                "Nämnden" if decided else None,
                dt.date(start - 1, 11, 20) if decided else None,
                f"§ {revision}" if decided else None,
                lineage if revision > 1 else None,
            )
            for parent in parents:
                link.add(goal_id, parent)
        lineages.append((lineage, owner, start, end))
        return lineage

    municipal = [add_goal("MUNICIPAL", council, year, last_year, [], f"Kommunövergripande mål {i + 1}") for i in range(5)]
    board_goals: dict[uuid.UUID, list[tuple[uuid.UUID, int, int]]] = defaultdict(list)
    for board in boards:
        for _slot in range(3):  # at most three board goals in force at once
            start = year
            while start <= last_year:
                end = min(last_year, start + rng.choice((0, 0, 1, 2)))
                parents = rng.sample(municipal, rng.choice((1, 1, 2)))
                lineage = add_goal("BOARD", board, start, end, parents, f"Nämndmål {len(board_goals[board]) + 1}")
                board_goals[board].append((lineage, start, end))
                start = end + 1
    unit_goals_of_board: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    while len(goal.rows) < shape.goals:
        board = rng.choice(boards)
        unit = rng.choice(units_of_board[board])
        if rng.random() < shape.share_unit_goals_in_year:
            start = rng.choice((year - 1, year))
            end = max(year, start + rng.choice((0, 1)))
        else:
            start = rng.randint(year + 1, last_year)
            end = min(last_year, start + rng.choice((0, 1)))
        draw = rng.random()
        candidates = [g for g, s, e in board_goals[board] if s <= end and e >= start]
        if draw < 0.85 and candidates:
            parents = [rng.choice(candidates)]
        elif draw < 0.93 and unit_goals_of_board[board]:
            parents = [rng.choice(unit_goals_of_board[board])]
        else:
            parents = []
        unit_goals_of_board[board].append(add_goal("UNIT", unit, start, end, parents, f"Enhetsmål {len(lineages) + 1}"))

    indicator = _Table(
        "indicator", "id", "name", "definition", "unit", "direction", "frequency", "source", "gender_split", "sdgs", "external_codes"
    )
    catalogue = []
    for i in range(shape.indicators):
        entry = (ids(), rng.choice(("HIGHER_IS_BETTER", "LOWER_IS_BETTER")), rng.choice(tuple(PERIODS)), rng.random() < 0.4)
        indicator.add(
            entry[0],
            f"Nyckeltal {i + 1:03d}",
            "",
            "%",
            entry[1],
            entry[2],
            "INTERNAL",
            entry[3],
            _json(rng.sample(range(1, 18), rng.randint(0, 2))),
            "{}",
        )
        catalogue.append(entry)

    use = _Table("indicator_use", "id", "indicator_id", "org_unit_id", "goal_lineage_id", "responsible", "thresholds")
    target = _Table("indicator_target", "id", "use_id", "year", "total", "women", "men", "comment")
    outcome = _Table("indicator_outcome", "id", "use_id", "period", "year", "period_index", "total", "women", "men", "comment", "source")
    per_lineage = [3] * len(lineages)  # three each, then one more here and there, never above five
    while sum(per_lineage) < shape.indicator_uses:
        i = rng.randrange(len(lineages))
        per_lineage[i] += per_lineage[i] < 5
    for (lineage, owner, start, end), uses in zip(lineages, per_lineage, strict=True):
        for _ in range(uses):
            use_id = ids()
            indicator_id, _direction, frequency, split = rng.choice(catalogue)
            thresholds = _json({"near_target_share": "0.95"}) if rng.random() < 0.1 else None
            use.add(use_id, indicator_id, owner, lineage, "", thresholds)
            level = Decimal(rng.randint(400, 900)) / 10
            for target_year in range(start, end + 1):
                target.add(ids(), use_id, target_year, level + target_year - start, None, None, "")
            periods = PERIODS[frequency]
            # A series ending in the first period after the measured year: later values must be ignored.
            first = (year + 1) * len(periods) - shape.outcomes_per_use + 1
            value = level - 10
            for n in range(first, first + shape.outcomes_per_use):
                label, month = periods[n % len(periods)]
                value += Decimal(rng.randint(-20, 30)) / 10
                women, men = (value + 1, value - 1) if split else (None, None)
                outcome.add(ids(), use_id, f"{n // len(periods)}-{label}", n // len(periods), month, value, women, men, "", "")

    activity = _Table(
        "activity",
        "id",
        "owner_org_unit_id",
        "title",
        "description",
        "responsible",
        "start_date",
        "end_date",
        "status",
        "sdgs",
        "external_codes",
    )
    activity_goal = _Table("activity_goal", "activity_id", "goal_lineage_id", tracked=False)
    goals_of_owner: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for lineage, owner, _start, _end in lineages:
        goals_of_owner[owner].append(lineage)
    owners = list(goals_of_owner)
    for i in range(shape.activities):
        owner = rng.choice(owners)
        start = dt.date(rng.randint(year - 1, year + 1), rng.randint(1, 12), 1)
        end = start + dt.timedelta(days=rng.randint(30, 540))
        activity_id = ids()
        activity.add(
            activity_id,
            owner,
            f"Aktivitet {i + 1}",
            "",
            "",
            start,
            end,
            rng.choice(ACTIVITY_STATUSES),
            _json(rng.sample(range(1, 18), rng.randint(0, 2))),
            "{}",
        )
        if rng.random() < 0.95:
            for lineage in rng.sample(goals_of_owner[owner], min(len(goals_of_owner[owner]), rng.choice((1, 1, 2)))):
                activity_goal.add(activity_id, lineage)

    municipality = Municipality(shape, boards, dict(units_of_board))
    # In the order of their references.
    municipality.tables = [vision, period, goal, link, indicator, use, target, outcome, activity, activity_goal]
    return municipality


async def load(url: str, municipality: Municipality) -> None:
    """COPY every table, then ANALYZE so the planner knows the sizes."""
    connection = await connect_asyncpg(url)
    try:
        async with connection.transaction():
            for table in municipality.tables:
                await connection.copy_records_to_table(table.name, records=table.rows, columns=list(table.columns))
        await connection.execute("ANALYZE")
    finally:
        await connection.close()

"""Stratsys's structure file (layout 3): a year's goal chain with its period assessments, exported
and imported losslessly (export → import into an empty system → export gives the same file).

The mapping (README, "Stratsys"):
- Columns are the chain's levels present in the file, in chain order, indexed from 0: Vision,
  Kommunövergripande mål (municipal goals), Nämndmål (board goals), Verksamhetsmål (unit goals),
  Mätetal (an indicator followed under a goal: the indicator's code, the use's org unit and
  responsible), Aktivitet (activities). Goals, indicators and activities are found by their
  external code under "stratsys" (one without a code is written with its id, which an import then
  stores as its code); org units by the directory's "stratsys" code (or their id); the vision by
  the code it keeps under "stratsys". A code names the goal or activity of the scorecard's year:
  one of other years with the same code (the term before) is another, and the file's is created.
- A goal carries its perspective and, per follow-up of the year, one row with the assessment's
  level (Stratsys's code, a setting), its analysis as the comment and the follow-up's period end
  as the period; a goal with no assessment has one row with those cells empty. Indicators and
  activities carry their parent goal's perspective. An activity's status is its current status
  (Stratsys's code, a setting), its comment its description, and its period the period of its
  parent goal's latest assessment (empty while the goal has none): an activity's status is
  reported with its goal's follow-up.
- A node serving several parents (a board goal serving two municipal goals, an activity serving
  two goals) is written under each of them; rows go depth first from the vision, children by
  column then code (then org unit), a goal's rows by period.

An import is the adopted plan: a goal it creates is DECIDED at once (decision "Stratsys-import",
the scorecard's name as reference), for the scorecard's year; a municipal goal goes into the
mandate period holding the year, made when there is none (of the configured length, in step with
the terms before or after it, or with the Swedish election cycle when there are none). A decided
goal the file changes gets a new decided revision (the old one archived), as an amendment does; a
goal being revised (an open draft) is refused. The rules stand as for any writer: the importer
has the whole municipality in scope (fullmaktige or admin), at most so many municipal goals per
term, board goals in force per board and indicators per goal. A goal needs no indicator to be
decided by an import (Stratsys's chain often follows a municipal goal through its board goals'
indicators). Nothing is deleted: what the file leaves out stays as it is.

All or nothing across the two services: see followup_service/stratsys/service.py. Here: every
line is read and checked (with the follow-up service's dry run of the assessments) before anything
is written; then the goals part is written in one open transaction, the follow-up part is written
(its own one transaction), and the goals part is committed only after that succeeded. A goal the
import creates gets an id derived from its code, so should the goals' commit fail after the
follow-up's, importing the same file again completes the goals and finds the assessments unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.activities.models import Activity, ActivityGoal
from goals_service.db import auditor
from goals_service.goals.models import Goal, GoalLink
from goals_service.goals.schemas import GoalLevel, Perspective
from goals_service.indicators.models import Indicator, IndicatorUse
from goals_service.periods.models import MandatePeriod
from goals_service.periods.service import default_name
from goals_service.settings import GoalsSettings
from goals_service.stratsys import structure_repository as repository
from goals_service.stratsys.structure_followup import Assessment, FollowupAssessments
from goals_service.stratsys.structure_layout import Column, Line
from goals_service.vision.models import VisionVersion
from styrkedjan_common.db import lock_for_rule, new_id
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import BOARD_LEVEL, OPERATIONS, OrgUnit, OrgUnitReplica, OrgUnitType
from styrkedjan_common.problems import Forbidden, InvalidInput
from styrkedjan_common.years import FIRST_YEAR, LAST_YEAR

SYSTEM = repository.SYSTEM
MAX_LISTED_ERRORS = 1000
DECISION_BODY = "Stratsys-import"
# The namespace of the ids of the goals an import creates (uuid5 of "goal/<code>").
ID_NAMESPACE = uuid.UUID("6f1d3c52-0b7e-4d8e-9a55-2f1b8c7e4a10")
IMPORTERS = (Role.FULLMAKTIGE, Role.ADMIN)
EXPORTERS = (Role.FULLMAKTIGE, Role.ADMIN, Role.REVISOR)
GOAL_COLUMNS = {Column.MUNICIPAL: GoalLevel.MUNICIPAL, Column.BOARD: GoalLevel.BOARD, Column.UNIT: GoalLevel.UNIT}
COLUMN_OF_LEVEL = {level: column for column, level in GOAL_COLUMNS.items()}
# The parents a node of each column may have in the file.
PARENT_COLUMNS: dict[Column, frozenset[Column]] = {
    Column.VISION: frozenset(),
    Column.MUNICIPAL: frozenset({Column.VISION}),
    Column.BOARD: frozenset({Column.MUNICIPAL}),
    Column.UNIT: frozenset({Column.BOARD, Column.UNIT}),
    Column.KPI: frozenset(GOAL_COLUMNS),
    Column.ACTIVITY: frozenset(GOAL_COLUMNS),
}
UNIT_TYPES: dict[Column, frozenset[OrgUnitType] | None] = {
    Column.VISION: frozenset({OrgUnitType.COUNCIL}),
    Column.MUNICIPAL: frozenset({OrgUnitType.COUNCIL}),
    Column.BOARD: BOARD_LEVEL,
    Column.UNIT: OPERATIONS,
    Column.KPI: None,
    Column.ACTIVITY: BOARD_LEVEL | OPERATIONS,
}
CHANGES = ("created", "updated", "unchanged")


def scorecard_name(settings: GoalsSettings, year: int) -> str:
    return settings.stratsys_scorecard_name.format(year=year)


def _reverse(mapping: dict[str, str]) -> dict[str, str]:
    reverse: dict[str, str] = {}
    for theirs, ours in mapping.items():
        reverse.setdefault(ours, theirs)
    return reverse


def ensure_exporter(principal: Principal) -> None:
    if principal.scope_of(EXPORTERS) is not None:
        raise Forbidden("the structure file holds the whole municipality's chain: it is read with the whole municipality in scope")


def ensure_importer(principal: Principal) -> None:
    if principal.scope_of(IMPORTERS) is not None:
        raise Forbidden("a structure file writes the whole municipality's chain: fullmaktige or admin with the whole municipality in scope")


def unit_code(unit: OrgUnit) -> str:
    return unit.external_codes.get(SYSTEM) or unit.id


def _code_of(external_codes: dict[str, Any], fallback: uuid.UUID) -> str:
    code = external_codes.get(SYSTEM)
    return str(code) if code else str(fallback)


# --- export -------------------------------------------------------------------------------------


@dataclass
class _Node:
    column: Column
    code: str
    name: str
    unit_id: uuid.UUID | None
    perspective: str = ""
    unit_key: str = ""
    goal: Goal | None = None
    activity: Activity | None = None
    use: IndicatorUse | None = None
    children: list[_Node] = field(default_factory=list)

    @property
    def order(self) -> tuple[int, str, str]:
        return (self.column.order, self.code, self.unit_key)


def _council(org_units: OrgUnitReplica, year: int) -> OrgUnit | None:
    """The council the vision's row names: one of the year carrying a Stratsys code, the one that started last."""
    councils = [u for u in org_units.units.values() if u.type == OrgUnitType.COUNCIL and u.exists_in(year)]
    return max(councils, key=lambda u: (SYSTEM in u.external_codes, u.valid_from, u.id)) if councils else None


async def export_rows(
    session: AsyncSession, settings: GoalsSettings, org_units: OrgUnitReplica, assessments: list[Assessment], year: int
) -> list[list[str]]:
    """The year's chain as the file's rows (without the header)."""
    vision = await repository.vision_in_force(session)
    goals = await repository.goals_in_force(session, year)
    by_lineage = {g.lineage_id: g for g in goals}
    links = await repository.links_of(session, [g.id for g in goals])
    uses = await repository.uses_of_goals(session, list(by_lineage))
    activities = await repository.activities_of_goals(session, list(by_lineage), year)
    await org_units.find_all(
        [g.owner_org_unit_id for g in goals] + [u.org_unit_id for u, _ in uses] + [a.owner_org_unit_id for _, a in activities]
    )

    def unit_cells(unit_id: uuid.UUID | None) -> tuple[str, str]:
        unit = org_units.units.get(str(unit_id)) if unit_id is not None else None
        return (unit_code(unit), unit.name) if unit is not None else (str(unit_id or ""), "")

    goal_nodes = {
        g.lineage_id: _Node(
            COLUMN_OF_LEVEL[GoalLevel(g.level)],
            _code_of(g.external_codes, g.lineage_id),
            g.title,
            g.owner_org_unit_id,
            g.perspective,
            goal=g,
        )
        for g in goals
    }
    vision_node = None
    if vision is not None:
        council = _council(org_units, year)
        if council is None:
            await org_units.catch_up()
            council = _council(org_units, year)
        vision_node = _Node(
            Column.VISION,
            str(vision.external_codes.get(SYSTEM) or f"V{vision.revision}"),
            vision.text,
            uuid.UUID(council.id) if council else None,
        )
    roots: list[_Node] = [vision_node] if vision_node is not None else []
    allowed_parents = {
        GoalLevel.MUNICIPAL: set[GoalLevel](),
        GoalLevel.BOARD: {GoalLevel.MUNICIPAL},
        GoalLevel.UNIT: {GoalLevel.BOARD, GoalLevel.UNIT},
    }
    for lineage, node in goal_nodes.items():
        goal = by_lineage[lineage]
        level = GoalLevel(goal.level)
        parents = [
            goal_nodes[p]
            for p in links.get(goal.id, [])
            if p in goal_nodes and GoalLevel(by_lineage[p].level) in allowed_parents[level] and p != lineage
        ]
        if level == GoalLevel.MUNICIPAL and vision_node is not None:
            vision_node.children.append(node)
        elif parents:
            for parent in parents:
                parent.children.append(node)
        else:
            roots.append(node)
    for use, indicator in uses:
        serves = goal_nodes.get(use.goal_lineage_id) if use.goal_lineage_id is not None else None
        if serves is not None:
            code = _code_of(indicator.external_codes, indicator.id)
            serves.children.append(
                _Node(
                    Column.KPI, code, indicator.name, use.org_unit_id, serves.perspective, unit_key=unit_cells(use.org_unit_id)[0], use=use
                )
            )
    for lineage, activity in activities:
        parent = goal_nodes[lineage]
        code = _code_of(activity.external_codes, activity.id)
        parent.children.append(
            _Node(Column.ACTIVITY, code, activity.title, activity.owner_org_unit_id, parent.perspective, activity=activity)
        )

    present = sorted({n.column for n in _walk(roots)}, key=lambda c: c.order)
    index = {column: str(i) for i, column in enumerate(present)}
    levels = _reverse(settings.stratsys_assessment_levels)
    statuses = _reverse(settings.stratsys_activity_statuses)
    by_goal: dict[tuple[uuid.UUID, uuid.UUID], list[Assessment]] = defaultdict(list)
    for a in assessments:
        by_goal[(a.goal_id, a.org_unit_id)].append(a)
    for found in by_goal.values():
        found.sort(key=lambda a: a.period_end)
    scorecard = scorecard_name(settings, year)
    rows: list[list[str]] = []

    def periods_of(node: _Node) -> list[Assessment]:
        goal = node.goal
        return by_goal.get((goal.lineage_id, goal.owner_org_unit_id), []) if goal is not None else []

    def emit(node: _Node, parent: _Node | None, path: frozenset[int]) -> None:
        code, name = unit_cells(node.unit_id)
        head = [
            scorecard,
            node.column.value,
            index[node.column],
            node.column.node_type,
            node.code,
            node.name,
            parent.code if parent else "",
            code,
            name,
        ]
        if node.activity is not None:
            a = node.activity
            latest = periods_of(parent) if parent is not None else []
            period = latest[-1].period_end.isoformat() if latest else ""
            status = statuses.get(a.status, a.status)
            rows.append(
                head + [node.perspective, status, a.description, period, a.start_date.isoformat(), a.end_date.isoformat(), a.responsible]
            )
        elif node.use is not None:
            rows.append(head + [node.perspective, "", "", "", "", "", node.use.responsible])
        else:
            found = periods_of(node)
            for assessed in found:
                level = levels.get(assessed.level_code, assessed.level_code)
                rows.append(head + [node.perspective, level, assessed.analysis, assessed.period_end.isoformat(), "", "", ""])
            if not found:
                rows.append(head + [node.perspective, "", "", "", "", "", ""])
        if id(node) in path:
            return
        for child in sorted(node.children, key=lambda c: c.order):
            if id(child) not in path:
                emit(child, node, path | {id(node)})

    for root in sorted(roots, key=lambda n: n.order):
        emit(root, None, frozenset())
    return rows


def _walk(nodes: Iterable[_Node]) -> Iterator[_Node]:
    seen: set[int] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(node.children)


# --- import: reading the lines -------------------------------------------------------------------


@dataclass
class Row:
    line: int
    column: Column
    code: str
    name: str
    parent: str
    unit: OrgUnit | None
    perspective: str
    status: str
    comment: str
    period: dt.date | None
    start: dt.date | None
    end: dt.date | None
    responsible: str


class Errors:
    """The refusals of a file, each with its line; the first MAX_LISTED_ERRORS are kept, all counted."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []
        self.count = 0

    def add(self, line: int, detail: str) -> None:
        self.count += 1
        self.items.append((line, detail))

    def listed(self) -> list[dict[str, str]]:
        ordered = sorted(self.items, key=lambda e: e[0])[:MAX_LISTED_ERRORS]
        return [{"pointer": f"#/line/{line}", "detail": detail} for line, detail in ordered]

    def raise_if_any(self) -> None:
        if self.count:
            raise InvalidInput(f"the structure file is refused: {self.count} line error(s); nothing was imported", errors=self.listed())


def _year_pattern(settings: GoalsSettings) -> re.Pattern[str]:
    name = re.escape(settings.stratsys_scorecard_name).replace(re.escape("{year}"), r"(\d{4})")
    return re.compile(f"^{name}$")


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


class Reader:
    """Reads and checks each line on its own (cells, codes, units); the file as a whole is checked
    after the last line (`plan`)."""

    def __init__(self, settings: GoalsSettings, org_units: OrgUnitReplica) -> None:
        self.settings = settings
        self.errors = Errors()
        self.rows: list[Row] = []
        self.year: int | None = None
        self.scorecard: str | None = None
        self.indexes: dict[Column, list[tuple[int, str]]] = defaultdict(list)
        self._pattern = _year_pattern(settings)
        self._units: dict[str, list[OrgUnit]] = defaultdict(list)
        for unit in org_units.units.values():
            self._units[unit.id].append(unit)
            if unit.external_codes.get(SYSTEM):
                self._units[str(unit.external_codes[SYSTEM])].append(unit)

    def _unit(self, code: str, year: int) -> OrgUnit | None:
        found = [u for u in self._units.get(code, []) if u.exists_in(year)]
        return max(found, key=lambda u: u.valid_from) if found else None

    def read(self, line: Line) -> None:
        cells = line.cells
        n = line.number
        errors_before = self.errors.count
        if "#count" in cells:
            self.errors.add(n, f"a line has 16 cells separated by ';'; this one has {cells['#count']}")
            return
        too_long = [name for name, value in cells.items() if len(value) > 10000]
        if too_long:
            self.errors.add(n, f"{too_long[0]} is longer than 10000 characters")
            return
        c = {k: v.strip() for k, v in cells.items()}
        c["comment"] = cells["comment"]  # a comment keeps its spaces and line breaks
        if self.scorecard is None:
            match = self._pattern.match(c["scorecard"])
            if match is None:
                self.errors.add(
                    n, f"scorecard: '{c['scorecard']}' is not a scorecard of the form '{self.settings.stratsys_scorecard_name}'"
                )
                return
            if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
                self.errors.add(n, f"scorecard: the year {match.group(1)} lies outside {FIRST_YEAR}–{LAST_YEAR}")
                return
            self.scorecard, self.year = c["scorecard"], int(match.group(1))
        elif c["scorecard"] != self.scorecard:
            self.errors.add(n, f"scorecard: a file holds one scorecard, '{self.scorecard}'; this line names '{c['scorecard']}'")
        year = self.year
        assert year is not None
        try:
            column = Column(c["column"])
        except ValueError:
            self.errors.add(n, f"column: '{c['column']}' is none of {', '.join(col.value for col in Column)}")
            return
        self.indexes[column].append((n, c["column_index"]))
        if c["node_type"] != column.node_type:
            self.errors.add(n, f"node_type: a node of {column.value} is {column.node_type}, not '{c['node_type']}'")
        if not c["node_code"]:
            self.errors.add(n, "node_code: empty; every node has a code")
        elif len(c["node_code"]) > 100:
            self.errors.add(n, "node_code: longer than 100 characters")
        if not c["node_name"]:
            self.errors.add(n, "node_name: empty; every node has a name")
        elif len(c["node_name"]) > 300:
            self.errors.add(n, "node_name: longer than 300 characters")
        unit = self._unit(c["unit_code"], year)
        types = UNIT_TYPES[column]
        if unit is None:
            self.errors.add(n, f"unit_code: no org unit of the directory has the stratsys code '{c['unit_code']}' in {year}")
        elif types is not None and unit.type not in types:
            self.errors.add(
                n, f"unit_code: a node of {column.value} belongs to a {' or '.join(sorted(types))}; {unit.name} is a {unit.type}"
            )
        perspective = c["perspective"]
        if column == Column.VISION:
            if perspective:
                self.errors.add(n, "perspective: the vision has none")
        elif column in GOAL_COLUMNS:
            if perspective not in set(Perspective):
                self.errors.add(n, f"perspective: '{perspective}' is none of {', '.join(Perspective)}")
        elif perspective and perspective not in set(Perspective):
            self.errors.add(n, f"perspective: '{perspective}' is none of {', '.join(Perspective)}")
        period = _date(c["period"]) if c["period"] else None
        if c["period"] and (period is None or period.year != year or period not in _period_ends(year)):
            ends = ", ".join(d.isoformat() for d in _period_ends(year))
            self.errors.add(n, f"period: '{c['period']}' is not the end of a follow-up period of {year} ({ends})")
        status, comment = c["status"], c["comment"]
        start = _date(c["start_date"]) if c["start_date"] else None
        end = _date(c["end_date"]) if c["end_date"] else None
        if column in (Column.VISION, Column.KPI):
            for name in ("status", "comment", "period", "start_date", "end_date"):
                if c[name]:
                    self.errors.add(n, f"{name}: a node of {column.value} carries none (indicator values are layout 1's)")
        if column in (Column.VISION, *GOAL_COLUMNS) and c["responsible"]:
            self.errors.add(n, f"responsible: a node of {column.value} carries none")
        if column in GOAL_COLUMNS:
            for name in ("start_date", "end_date"):
                if c[name]:
                    self.errors.add(n, f"{name}: a goal carries none (a goal is the scorecard's year's)")
            if c["period"] and not status:
                self.errors.add(n, "status: a row of a period carries the goal's assessment")
            if not c["period"] and (status or comment):
                self.errors.add(n, "period: an assessment belongs to a follow-up period")
            if (
                status
                and status not in self.settings.stratsys_assessment_levels
                and status not in self.settings.stratsys_assessment_levels.values()
            ):
                known = ", ".join(self.settings.stratsys_assessment_levels)
                self.errors.add(n, f"status: '{status}' is none of the assessment levels ({known})")
        if column == Column.ACTIVITY:
            mapping = self.settings.stratsys_activity_statuses
            if status not in mapping and status not in self.settings.activity_statuses:
                self.errors.add(n, f"status: '{status}' is none of the activity statuses ({', '.join(mapping)})")
            for name, value in (("start_date", start), ("end_date", end)):
                if value is None:
                    self.errors.add(n, f"{name}: '{c[name]}' is no date (YYYY-MM-DD); an activity has its dates")
            if start and end and end < start:
                self.errors.add(n, f"end_date: an activity cannot end ({end}) before it starts ({start})")
            if start and end and not (start <= dt.date(year, 12, 31) and end >= dt.date(year, 1, 1)):
                self.errors.add(n, f"start_date: the activity runs {start}–{end}, no day of {year}")
            if len(comment) > 10000:
                self.errors.add(n, "comment: longer than 10000 characters")
        if len(c["responsible"]) > 200:
            self.errors.add(n, "responsible: longer than 200 characters")
        if self.errors.count > errors_before:
            return
        if column == Column.ACTIVITY:
            status = self.settings.stratsys_activity_statuses.get(status, status)
        elif status:
            status = self.settings.stratsys_assessment_levels.get(status, status)
        self.rows.append(
            Row(
                n,
                column,
                c["node_code"],
                c["node_name"],
                c["parent_code"],
                unit,
                perspective,
                status,
                comment,
                period,
                start,
                end,
                c["responsible"],
            )
        )

    def check_indexes(self) -> None:
        present = sorted(self.indexes, key=lambda col: col.order)
        for i, column in enumerate(present):
            for n, given in self.indexes[column]:
                if given != str(i):
                    self.errors.add(
                        n, f"column_index: {column.value} is column {i} of this file (the chain's levels present, in order); not '{given}'"
                    )


def _period_ends(year: int) -> list[dt.date]:
    return [occasion.period_end(year) for occasion in FollowupOccasion]


def _occasion_of(period: dt.date) -> FollowupOccasion:
    return next(o for o in FollowupOccasion if o.period_end(period.year) == period)


# --- import: the file as a whole, against what is stored ---------------------------------------------


@dataclass
class GoalPlan:
    code: str
    column: Column
    line: int
    name: str
    unit: OrgUnit
    perspective: str
    parents: list[str] = field(default_factory=list)  # parent codes (goals) in file order
    assessments: dict[dt.date, tuple[int, str, str]] = field(default_factory=dict)  # period -> (line, level, analysis)
    lineage: uuid.UUID | None = None
    current: Goal | None = None
    change: str = "created"


@dataclass
class Counts:
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, kind: str, change: str, n: int = 1) -> None:
        counts = self.by_kind.setdefault(kind, dict.fromkeys(CHANGES, 0))
        counts[change] = counts.get(change, 0) + n


@dataclass
class Plan:
    year: int
    scorecard: str
    vision_row: Row | None
    goals: dict[str, GoalPlan]
    kpis: list[Row]
    activities: dict[str, list[Row]]
    counts: Counts
    assessments: list[dict[str, Any]]
    vision: VisionVersion | None = None
    vision_change: str = "unchanged"
    period: MandatePeriod | None = None
    new_period: tuple[int, int] | None = None
    indicators: dict[str, Indicator | None] = field(default_factory=dict)
    indicator_changes: dict[str, str] = field(default_factory=dict)
    uses: dict[tuple[str, str, str], tuple[Row, IndicatorUse | None, str]] = field(default_factory=dict)
    activity_current: dict[str, Activity | None] = field(default_factory=dict)
    activity_changes: dict[str, str] = field(default_factory=dict)
    activity_links: dict[uuid.UUID, set[uuid.UUID]] = field(default_factory=dict)


def _group(reader: Reader) -> Plan:
    """The rows as nodes: one goal however many rows (periods, parents) it has; each node's rows agree."""
    errors = reader.errors
    assert reader.year is not None and reader.scorecard is not None
    vision_row: Row | None = None
    goals: dict[str, GoalPlan] = {}
    kpis: list[Row] = []
    activities: dict[str, list[Row]] = defaultdict(list)
    seen_kpi: dict[tuple[str, str, str], int] = {}
    for row in reader.rows:
        if row.column == Column.VISION:
            if vision_row is not None:
                errors.add(row.line, f"node_code: a file has one vision; line {vision_row.line} holds it")
            else:
                vision_row = row
        elif row.column in GOAL_COLUMNS:
            assert row.unit is not None
            plan = goals.get(row.code)
            if plan is None:
                plan = goals[row.code] = GoalPlan(row.code, row.column, row.line, row.name, row.unit, row.perspective)
            elif plan.column != row.column:
                errors.add(
                    row.line, f"node_code: {row.code} is a goal of {plan.column.value} (line {plan.line}), not of {row.column.value}"
                )
                continue
            elif (plan.name, plan.unit.id, plan.perspective) != (row.name, row.unit.id, row.perspective):
                errors.add(row.line, f"node_code: {row.code} is named, owned or in a perspective otherwise on line {plan.line}")
                continue
            if row.parent not in plan.parents:
                plan.parents.append(row.parent)
            if row.period is not None:
                found = plan.assessments.get(row.period)
                if found is None:
                    plan.assessments[row.period] = (row.line, row.status, row.comment)
                elif found[1:] != (row.status, row.comment):
                    errors.add(row.line, f"period: {row.code} is assessed at {row.period} otherwise on line {found[0]}")
        elif row.column == Column.KPI:
            assert row.unit is not None
            key = (row.code, row.parent, row.unit.id)
            if key in seen_kpi:
                errors.add(row.line, f"node_code: {row.code} under {row.parent} for this unit stands on line {seen_kpi[key]} already")
            else:
                seen_kpi[key] = row.line
                kpis.append(row)
        else:
            activities[row.code].append(row)
    # A goal's rows: one per parent and period, none without a period when it has assessments.
    for plan in goals.values():
        rows = [r for r in reader.rows if r.code == plan.code and r.column == plan.column]
        keys: dict[tuple[str, dt.date | None], int] = {}
        for r in rows:
            place = (r.parent, r.period)
            if place in keys:
                errors.add(r.line, f"node_code: {plan.code} under '{r.parent}' at '{r.period or ''}' stands on line {keys[place]} already")
            keys[place] = r.line
            if r.period is None and plan.assessments:
                errors.add(r.line, f"period: {plan.code} is assessed; each of its rows names its period")
    for code, rows in activities.items():
        first = rows[0]
        parents: dict[str, int] = {}
        for r in rows:
            same = (r.name, r.unit, r.status, r.comment, r.start, r.end, r.responsible) == (
                first.name,
                first.unit,
                first.status,
                first.comment,
                first.start,
                first.end,
                first.responsible,
            )
            if not same:
                errors.add(r.line, f"node_code: activity {code} reads otherwise on line {first.line}")
            if r.parent in parents:
                errors.add(r.line, f"node_code: activity {code} under {r.parent} stands on line {parents[r.parent]} already")
            parents[r.parent] = r.line
    return Plan(reader.year, reader.scorecard, vision_row, goals, kpis, dict(activities), Counts(), [])


def _check_no_circle(plan: Plan, errors: Errors) -> None:
    """Unit goals may serve unit goals; the thread still leads upwards, never round: each goal on a
    circle is refused."""
    serves = {code: [p for p in g.parents if p in plan.goals and plan.goals[p].column == Column.UNIT] for code, g in plan.goals.items()}
    for code, goal in plan.goals.items():
        if goal.column != Column.UNIT:
            continue
        seen: set[str] = set()
        frontier = list(serves[code])
        while frontier:
            parent = frontier.pop()
            if parent == code:
                errors.add(goal.line, f"parent_code: {code} would serve itself through the goals it serves (a circle)")
                break
            if parent not in seen:
                seen.add(parent)
                frontier.extend(serves[parent])


def _check_parents(plan: Plan, errors: Errors) -> None:
    _check_no_circle(plan, errors)
    vision_code = plan.vision_row.code if plan.vision_row else None
    for goal in plan.goals.values():
        for parent in goal.parents:
            line = goal.line
            if goal.column == Column.MUNICIPAL:
                if parent != (vision_code or ""):
                    expected = f"the vision's code {vision_code}" if vision_code else "empty (the file has no vision)"
                    errors.add(line, f"parent_code: a municipal goal's parent is {expected}, not '{parent}'")
            elif parent:
                found = plan.goals.get(parent)
                if found is None or found.column not in PARENT_COLUMNS[goal.column]:
                    allowed = " or ".join(c.value for c in sorted(PARENT_COLUMNS[goal.column], key=lambda c: c.order))
                    errors.add(line, f"parent_code: '{parent}' is no goal of {allowed} in the file")
                elif parent == goal.code:
                    errors.add(line, "parent_code: a goal does not serve itself")
    for row in plan.kpis + [r for rows in plan.activities.values() for r in rows]:
        served = plan.goals.get(row.parent)
        if served is None:
            errors.add(row.line, f"parent_code: '{row.parent}' is no goal in the file")
            continue
        if row.perspective and row.perspective != served.perspective:
            errors.add(row.line, f"perspective: an {row.column.value} node takes its goal's perspective, {served.perspective}")
        if row.column == Column.ACTIVITY:
            latest = max(served.assessments) if served.assessments else None
            if row.period != latest:
                said = latest.isoformat() if latest else "empty (the goal has no assessment)"
                errors.add(row.line, f"period: an activity's status is reported with its goal's latest follow-up: {said}")


def _goal_id(code: str, year: int) -> uuid.UUID:
    return uuid.uuid5(ID_NAMESPACE, f"goal/{code}/{year}")


async def _match_goals(session: AsyncSession, plan: Plan, settings: GoalsSettings, errors: Errors) -> None:
    revisions = await repository.goals_with_codes(session, list(plan.goals))
    lineages_of: dict[str, set[uuid.UUID]] = defaultdict(set)
    for g in revisions:
        lineages_of[str(g.external_codes.get(SYSTEM))].add(g.lineage_id)
    all_revisions: dict[uuid.UUID, list[Goal]] = defaultdict(list)
    for g in await repository.revisions_of(session, {lin for lins in lineages_of.values() for lin in lins}):
        all_revisions[g.lineage_id].append(g)

    def of_the_year(lineage: uuid.UUID) -> bool:
        return any(r.start_year <= plan.year <= r.end_year and r.status != Status.ARCHIVED.value for r in all_revisions[lineage])

    # A code names the goal of the scorecard's year: the same code on a goal of other years (a
    # term before) is another goal, and the file's is created beside it.
    of_year = {code: {lin for lin in lineages if of_the_year(lin)} for code, lineages in lineages_of.items()}
    wanted = {code: _goal_id(code, plan.year) for code in plan.goals if not of_year.get(code)}
    taken = await repository.goal_ids_taken(session, wanted.values())
    for code, goal in plan.goals.items():
        lineages = of_year.get(code, set())
        if len(lineages) > 1:
            errors.add(goal.line, f"node_code: {len(lineages)} goals of {plan.year} carry the stratsys code {code}; it names one")
            continue
        if not lineages:
            goal.lineage = wanted[code] if wanted[code] not in taken else new_id()
            continue
        lineage = next(iter(lineages))
        goal.lineage = lineage
        revs = all_revisions[lineage]
        open_rev = next((r for r in revs if r.status in (Status.DRAFT.value, Status.PROPOSED.value)), None)
        in_force = next((r for r in revs if r.status == Status.DECIDED.value), None)
        if open_rev is not None:
            errors.add(
                goal.line,
                f"node_code: goal {code} is being revised (revision {open_rev.revision} is {open_rev.status}); decide or delete that first",
            )
        elif in_force is None:
            errors.add(goal.line, f"node_code: goal {code} has no decided revision in force")
        elif in_force.closed_at is not None:
            errors.add(goal.line, f"node_code: goal {code} was closed on {in_force.closed_at.date()}; a closed goal is not imported again")
        elif GoalLevel(in_force.level) != GOAL_COLUMNS[goal.column]:
            errors.add(goal.line, f"column: goal {code} is {in_force.level}, not a goal of {goal.column.value}")
        elif str(in_force.owner_org_unit_id) != goal.unit.id:
            errors.add(goal.line, f"unit_code: goal {code} belongs to another org unit; a goal keeps its owner")
        elif not in_force.start_year <= plan.year <= in_force.end_year:
            errors.add(goal.line, f"node_code: goal {code} is in force {in_force.start_year}–{in_force.end_year}, not in {plan.year}")
        else:
            goal.current = in_force
    links = await repository.links_of(session, [g.current.id for g in plan.goals.values() if g.current is not None])
    for goal in plan.goals.values():
        if goal.current is None:
            continue
        parents = _parent_lineages(plan, goal)
        same = (
            goal.current.title == goal.name
            and goal.current.perspective == goal.perspective
            and (goal.column == Column.MUNICIPAL or set(links.get(goal.current.id, [])) == set(parents))
        )
        goal.change = "unchanged" if same else "updated"


def _parent_lineages(plan: Plan, goal: GoalPlan) -> list[uuid.UUID]:
    found = [plan.goals[p].lineage for p in goal.parents if p in plan.goals]
    return [lineage for lineage in found if lineage is not None]


async def _match_vision(session: AsyncSession, plan: Plan) -> None:
    row = plan.vision_row
    if row is None:
        return
    plan.vision = await repository.vision_in_force(session)
    if plan.vision is None or plan.vision.text != row.name:
        plan.vision_change = "created" if plan.vision is None else "updated"
    elif plan.vision.external_codes.get(SYSTEM) != row.code:
        plan.vision_change = "updated"


def _term_of(year: int, periods: list[MandatePeriod], length: int) -> tuple[int, int]:
    """The term holding the year, in step with the stored terms (or the election cycle: terms
    begin the year after an election, 2023, 2027, ...)."""
    anchor = periods[-1].end_year + 1 if periods and periods[-1].end_year < year else (periods[0].start_year if periods else 2023)
    start = year - ((year - anchor) % length)
    return start, start + length - 1


async def _check_caps(session: AsyncSession, plan: Plan, settings: GoalsSettings, errors: Errors) -> None:
    municipal_new = [g for g in plan.goals.values() if g.column == Column.MUNICIPAL and g.current is None]
    if municipal_new:
        plan.period = await repository.period_holding(session, plan.year)
        if plan.period is None:
            start, end = _term_of(plan.year, await repository.periods(session), settings.mandate_period_years)
            stored = await repository.periods(session)
            clash = next((p for p in stored if p.start_year <= end and p.end_year >= start), None)
            if clash is not None:
                errors.add(
                    municipal_new[0].line,
                    f"node_code: no mandate period holds {plan.year}, and a term {start}–{end} would overlap {clash.name}",
                )
            plan.new_period = (start, end)
        if plan.period is not None:  # the goals' own rule takes this lock too: the cap holds against a goal made beside
            await lock_for_rule(session, f"municipal-goals:{plan.period.id}")
        existing = await repository.municipal_lineages_of_period(session, plan.period.id) if plan.period else set()
        room = settings.max_municipal_goals - len(existing)
        for goal in municipal_new[max(room, 0) :]:
            errors.add(
                goal.line,
                f"node_code: at most {settings.max_municipal_goals} municipal goals per mandate period; {goal.code} would be one more",
            )
    board = [g for g in plan.goals.values() if g.column == Column.BOARD]
    by_owner: dict[str, list[GoalPlan]] = defaultdict(list)
    for g in board:
        by_owner[g.unit.id].append(g)
    for owner in sorted(by_owner):  # the goals' own rule takes these locks too
        await lock_for_rule(session, f"board-goals:{owner}")
    in_force = await repository.board_goals_in_force(session, {uuid.UUID(o) for o in by_owner}, plan.year)
    for owner, owned in by_owner.items():
        lineages = set(in_force.get(uuid.UUID(owner), set()))
        for g in sorted(owned, key=lambda g: g.line):
            if g.lineage in lineages:
                continue
            if len(lineages) >= settings.max_board_goals_in_force:
                errors.add(
                    g.line,
                    f"node_code: at most {settings.max_board_goals_in_force} board goals in force at once per board; {g.code} would be one more for {g.unit.name}",
                )
                continue
            if g.lineage is not None:
                lineages.add(g.lineage)


async def _match_indicators(session: AsyncSession, plan: Plan, settings: GoalsSettings, errors: Errors) -> None:
    codes = {r.code for r in plan.kpis}
    stored: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in await repository.indicators_with_codes(session, codes):
        stored[str(indicator.external_codes.get(SYSTEM))].append(indicator)
    names: dict[str, tuple[int, str]] = {}
    for row in plan.kpis:
        first = names.setdefault(row.code, (row.line, row.name))
        if first[1] != row.name:
            errors.add(row.line, f"node_name: indicator {row.code} is named '{first[1]}' on line {first[0]}")
        found = stored.get(row.code, [])
        if len(found) > 1:
            errors.add(row.line, f"node_code: {len(found)} indicators carry the stratsys code {row.code}; it names one")
        plan.indicators[row.code] = found[0] if found else None
        plan.indicator_changes[row.code] = "created" if not found else ("unchanged" if found[0].name == row.name else "updated")
    lineages = [g.lineage for g in plan.goals.values() if g.current is not None and g.lineage is not None]
    uses = await repository.uses_of_lineages(session, lineages)
    indicator_code = {i.id: code for code, i in plan.indicators.items() if i is not None}
    by_key = {(indicator_code.get(u.indicator_id, ""), str(u.goal_lineage_id), str(u.org_unit_id)): u for u in uses}
    count: dict[uuid.UUID, set[tuple[str, str]]] = defaultdict(set)
    for u in uses:
        if u.goal_lineage_id is not None:
            count[u.goal_lineage_id].add((str(u.indicator_id), str(u.org_unit_id)))
    for row in plan.kpis:
        goal = plan.goals.get(row.parent)
        if goal is None or goal.lineage is None or row.unit is None:
            continue
        key = (row.code, str(goal.lineage), row.unit.id)
        current = by_key.get(key)
        change = "created" if current is None else ("unchanged" if current.responsible == row.responsible else "updated")
        plan.uses[key] = (row, current, change)
        if current is None:
            count[goal.lineage].add((row.code, row.unit.id))
            if len(count[goal.lineage]) > settings.max_indicators_per_goal:
                errors.add(
                    row.line,
                    f"node_code: at most {settings.max_indicators_per_goal} indicators per goal; {goal.code} would follow one more",
                )


async def _match_activities(session: AsyncSession, plan: Plan, errors: Errors) -> None:
    stored: dict[str, list[Activity]] = defaultdict(list)
    year_start, year_end = dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 31)
    for activity in await repository.activities_with_codes(session, list(plan.activities)):
        # As a goal's, an activity's code names the one of the scorecard's year: one of other years is another.
        if activity.start_date <= year_end and activity.end_date >= year_start:
            stored[str(activity.external_codes.get(SYSTEM))].append(activity)
    current_links = await repository.activity_goal_links(session, [a.id for found in stored.values() for a in found])
    for code, rows in plan.activities.items():
        found = stored.get(code, [])
        if len(found) > 1:
            errors.add(rows[0].line, f"node_code: {len(found)} activities carry the stratsys code {code}; it names one")
            continue
        first = rows[0]
        wanted = {plan.goals[r.parent].lineage for r in rows if r.parent in plan.goals}
        links = {lin for lin in wanted if lin is not None}
        if not found:
            plan.activity_current[code], plan.activity_changes[code] = None, "created"
            continue
        a = found[0]
        assert first.unit is not None and first.start is not None and first.end is not None
        same = (a.title, str(a.owner_org_unit_id), a.status, a.description, a.start_date, a.end_date, a.responsible) == (
            first.name,
            first.unit.id,
            first.status,
            first.comment,
            first.start,
            first.end,
            first.responsible,
        ) and links <= current_links.get(a.id, set())
        plan.activity_current[code] = a
        plan.activity_changes[code] = "unchanged" if same else "updated"
        plan.activity_links[a.id] = current_links.get(a.id, set())


def _assessments(plan: Plan) -> list[dict[str, Any]]:
    items = []
    for goal in plan.goals.values():
        if goal.lineage is None:
            continue
        for period, (line, level, analysis) in sorted(goal.assessments.items()):
            items.append(
                {
                    "line": line,
                    "goal_id": str(goal.lineage),
                    "org_unit_id": goal.unit.id,
                    "occasion": _occasion_of(period).value,
                    "level_code": level,
                    "analysis": analysis,
                }
            )
    return items


async def plan_import(session: AsyncSession, settings: GoalsSettings, reader: Reader, followup: FollowupAssessments | None) -> Plan:
    """Everything the file would do, checked against what both services hold; a refusal lists every bad line."""
    errors = reader.errors
    if reader.year is None:
        errors.raise_if_any()
        raise InvalidInput("the structure file holds no node; nothing was imported", errors=[{"pointer": "#/line/2", "detail": "no rows"}])
    reader.check_indexes()
    plan = _group(reader)
    _check_parents(plan, errors)
    await _match_vision(session, plan)
    await _match_goals(session, plan, settings, errors)
    await _check_caps(session, plan, settings, errors)
    await _match_indicators(session, plan, settings, errors)
    await _match_activities(session, plan, errors)
    plan.assessments = _assessments(plan)
    if plan.assessments and followup is not None:
        try:
            answer = await followup.import_year(plan.year, plan.assessments, dry_run=True)
        except InvalidInput as refused:
            for e in refused.errors or []:
                line = e.get("pointer", "").removeprefix("#/line/")
                errors.add(int(line) if line.isdigit() else 0, str(e.get("detail", "")))
        else:
            for kind, counts in answer.counts.items():
                for change in CHANGES:
                    if getattr(counts, change):
                        plan.counts.add(kind, change, getattr(counts, change))
    elif plan.assessments:
        errors.add(plan.assessments[0]["line"], "status: the follow-up service, which keeps the assessments, is not reachable")
    errors.raise_if_any()
    _count(plan)
    return plan


def _count(plan: Plan) -> None:
    counts = plan.counts
    if plan.vision_row is not None:
        counts.add("vision", plan.vision_change)
    if plan.new_period is not None:
        counts.add("mandate_period", "created")
    for goal in plan.goals.values():
        counts.add("goal", "created" if goal.current is None else goal.change)
    for change in plan.indicator_changes.values():
        counts.add("indicator", change)
    for _, _, change in plan.uses.values():
        counts.add("indicator_use", change)
    for change in plan.activity_changes.values():
        counts.add("activity", change)


# --- import: writing -----------------------------------------------------------------------------


def _decided(goal_or_vision: Goal | VisionVersion, plan: Plan, principal: Principal) -> None:
    goal_or_vision.status = Status.DECIDED.value
    goal_or_vision.decision_body = DECISION_BODY
    goal_or_vision.decision_date = dt.date.today()
    goal_or_vision.decision_reference = plan.scorecard[:100]
    goal_or_vision.created_by = goal_or_vision.updated_by = principal.user_id


def _snapshot(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = str(value) if isinstance(value, uuid.UUID | dt.date) else value
    return out


GOAL_FIELDS = (
    "id",
    "lineage_id",
    "revision",
    "status",
    "level",
    "owner_org_unit_id",
    "start_year",
    "end_year",
    "title",
    "perspective",
    "external_codes",
)


async def write_import(session: AsyncSession, principal: Principal, settings: GoalsSettings, plan: Plan) -> None:
    """The goals' part of a checked plan, flushed in the caller's open transaction."""
    if plan.vision_row is not None and plan.vision_change != "unchanged":
        await _write_vision(session, principal, settings, plan)
    if plan.new_period is not None:
        start, end = plan.new_period
        period = MandatePeriod(
            start_year=start, end_year=end, name=default_name(start, end), created_by=principal.user_id, updated_by=principal.user_id
        )
        session.add(period)
        await session.flush()
        auditor.record(
            session, principal, "CREATE", "mandate_period", period.id, after=_snapshot(period, ("id", "start_year", "end_year", "name"))
        )
        plan.period = period
    for goal in plan.goals.values():
        if goal.current is None or goal.change == "updated":
            _write_goal(session, principal, plan, goal)
    await session.flush()
    await _write_indicators(session, principal, settings, plan)
    await _write_activities(session, principal, plan)
    await session.flush()


async def _write_vision(session: AsyncSession, principal: Principal, settings: GoalsSettings, plan: Plan) -> None:
    row = plan.vision_row
    assert row is not None
    current = plan.vision
    if current is not None and current.text == row.name:
        before = dict(current.external_codes)
        current.external_codes = {**current.external_codes, SYSTEM: row.code}
        current.updated_by = principal.user_id
        auditor.record(
            session,
            principal,
            "UPDATE",
            "vision",
            current.id,
            before={"external_codes": before},
            after={"external_codes": current.external_codes},
        )
        return
    start = current.horizon_start_year if current else plan.year
    end = current.horizon_end_year if current else plan.year + settings.vision_horizon_min_years - 1
    version = VisionVersion(
        id=new_id(),
        revision=await repository.max_vision_revision(session) + 1,
        replaces_id=current.id if current else None,
        horizon_start_year=start,
        horizon_end_year=end,
        text=row.name,
        core_values=list(current.core_values) if current else [],
        external_codes={SYSTEM: row.code},
    )
    _decided(version, plan, principal)
    session.add(version)
    if current is not None:
        current.status = Status.ARCHIVED.value
        current.updated_by = principal.user_id
        auditor.record(
            session,
            principal,
            "ARCHIVE",
            "vision",
            current.id,
            before={"status": Status.DECIDED.value},
            after={"status": Status.ARCHIVED.value},
        )
    await session.flush()
    auditor.record(
        session, principal, "CREATE", "vision", version.id, after=_snapshot(version, ("id", "revision", "status", "text", "external_codes"))
    )


def _write_goal(session: AsyncSession, principal: Principal, plan: Plan, goal: GoalPlan) -> None:
    assert goal.lineage is not None
    current = goal.current
    level = GOAL_COLUMNS[goal.column]
    row = Goal(
        id=goal.lineage if current is None else new_id(),
        lineage_id=goal.lineage,
        revision=1 if current is None else current.revision + 1,
        replaces_id=None if current is None else current.id,
        level=level.value,
        owner_org_unit_id=uuid.UUID(goal.unit.id),
        mandate_period_id=current.mandate_period_id
        if current
        else (plan.period.id if level == GoalLevel.MUNICIPAL and plan.period else None),
        start_year=current.start_year if current else plan.year,
        end_year=current.end_year if current else plan.year,
        title=goal.name,
        intent=current.intent if current else "",
        perspective=goal.perspective,
        sdgs=list(current.sdgs) if current else [],
        external_codes={**(current.external_codes if current else {}), SYSTEM: goal.code},
    )
    _decided(row, plan, principal)
    session.add(row)
    parents = [] if level == GoalLevel.MUNICIPAL else _parent_lineages(plan, goal)
    session.add_all(GoalLink(goal_id=row.id, parent_lineage_id=p) for p in dict.fromkeys(parents))
    if current is not None:
        current.status = Status.ARCHIVED.value
        current.updated_by = principal.user_id
        auditor.record(
            session,
            principal,
            "ARCHIVE",
            "goal",
            current.id,
            before={"status": Status.DECIDED.value},
            after={"status": Status.ARCHIVED.value},
        )
    auditor.record(
        session, principal, "CREATE", "goal", row.id, after=_snapshot(row, GOAL_FIELDS) | {"contributes_to": [str(p) for p in parents]}
    )


async def _write_indicators(session: AsyncSession, principal: Principal, settings: GoalsSettings, plan: Plan) -> None:
    names = {r.code: r.name for r in plan.kpis}
    for code, indicator in plan.indicators.items():
        change = plan.indicator_changes[code]
        if indicator is None:
            indicator = Indicator(
                id=new_id(),
                name=names[code],
                definition="",
                unit=settings.stratsys_indicator_unit,
                direction="HIGHER_IS_BETTER",
                frequency="YEARLY",
                source="INTERNAL",
                gender_split=False,
                sdgs=[],
                external_codes={SYSTEM: code},
                created_by=principal.user_id,
                updated_by=principal.user_id,
            )
            session.add(indicator)
            plan.indicators[code] = indicator
            auditor.record(
                session,
                principal,
                "CREATE",
                "indicator",
                indicator.id,
                after=_snapshot(indicator, ("id", "name", "unit", "external_codes")),
            )
        elif change == "updated":
            before = indicator.name
            indicator.name = names[code]
            indicator.updated_by = principal.user_id
            auditor.record(session, principal, "UPDATE", "indicator", indicator.id, before={"name": before}, after={"name": indicator.name})
    await session.flush()
    for (code, lineage, unit_id), (row, use, change) in plan.uses.items():
        if use is None:
            indicator = plan.indicators[code]
            assert indicator is not None
            use = IndicatorUse(
                id=new_id(),
                indicator_id=indicator.id,
                org_unit_id=uuid.UUID(unit_id),
                goal_lineage_id=uuid.UUID(lineage),
                responsible=row.responsible,
                created_by=principal.user_id,
                updated_by=principal.user_id,
            )
            session.add(use)
            auditor.record(
                session,
                principal,
                "CREATE",
                "indicator_use",
                use.id,
                after=_snapshot(use, ("id", "indicator_id", "org_unit_id", "goal_lineage_id", "responsible")),
            )
        elif change == "updated":
            before = use.responsible
            use.responsible = row.responsible
            use.updated_by = principal.user_id
            auditor.record(
                session,
                principal,
                "UPDATE",
                "indicator_use",
                use.id,
                before={"responsible": before},
                after={"responsible": use.responsible},
            )


ACTIVITY_FIELDS = ("id", "owner_org_unit_id", "title", "description", "responsible", "start_date", "end_date", "status", "external_codes")


async def _write_activities(session: AsyncSession, principal: Principal, plan: Plan) -> None:
    for code, rows in plan.activities.items():
        change = plan.activity_changes.get(code)
        if change in (None, "unchanged"):
            continue
        first = rows[0]
        assert first.unit is not None and first.start is not None and first.end is not None
        wanted = {plan.goals[r.parent].lineage for r in rows if r.parent in plan.goals}
        links = {lin for lin in wanted if lin is not None}
        activity = plan.activity_current.get(code)
        values = {
            "owner_org_unit_id": uuid.UUID(first.unit.id),
            "title": first.name,
            "description": first.comment,
            "responsible": first.responsible,
            "start_date": first.start,
            "end_date": first.end,
            "status": first.status,
        }
        if activity is None:
            activity = Activity(
                id=new_id(), sdgs=[], external_codes={SYSTEM: code}, created_by=principal.user_id, updated_by=principal.user_id, **values
            )
            session.add(activity)
            session.add_all(ActivityGoal(activity_id=activity.id, goal_lineage_id=lin) for lin in links)
            auditor.record(session, principal, "CREATE", "activity", activity.id, after=_snapshot(activity, ACTIVITY_FIELDS))
            continue
        before = _snapshot(activity, ACTIVITY_FIELDS)
        for name, value in values.items():
            setattr(activity, name, value)
        activity.updated_by = principal.user_id
        session.add_all(
            ActivityGoal(activity_id=activity.id, goal_lineage_id=lin) for lin in links - plan.activity_links.get(activity.id, set())
        )
        auditor.record(session, principal, "UPDATE", "activity", activity.id, before=before, after=_snapshot(activity, ACTIVITY_FIELDS))

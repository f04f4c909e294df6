"""Stratsys's KPI data in and out (layouts 1 and 2): indicator outcomes and yearly targets.

Import, all or nothing, as one job (goals_service.jobs):
1. The body is spooled to a temporary file while it is hashed (styrkedjan_common.csv_text).
2. READING: the file is read back in batches in a worker thread; each line is resolved against the
   catalogue and its uses (loaded once) and the org-unit replica (in memory): its unit (layout 1 by
   its external code in `code_system`, layout 2 by its name), its indicator (by its external code,
   or by its name), the unit's use(s) of it, the period its date falls in (by the indicator's
   frequency), the measure column (the goals settings' `stratsys_kpi_columns`), gender split and
   the caller's scope. A valid line is kept compactly (an int key, its line and its value scaled to
   an int: some 60 bytes a value), a bad one as its error; progress is committed as it goes.
   Duplicate keys (same unit, KPI, period and column) are found by sorting the keys: the later
   line is at fault. Any error refuses the file, listing every error with its line (the first
   1000; error_count counts them all), and nothing is written.
3. WRITING: one transaction. The keys, sorted, are grouped by (use, period): a period's total,
   women and men lines merge into one outcome (one target a year), and components the file does
   not carry keep their stored value. Batch by batch (5000 groups) the stored rows are read
   (locked), compared, and the new and changed ones written set-based: on PostgreSQL one
   INSERT ... SELECT FROM unnest(arrays) and one UPDATE ... FROM unnest(arrays) a batch, elsewhere
   one INSERT and one UPDATE executed for many rows. An unchanged value is not written: the same
   file again changes nothing and makes no new row version.

A unit that follows the indicator for several goals has one use per goal; the same measure of the
same unit is one number, so a line's value lands on each of those uses (each row counted). The
export writes each (unit, indicator, period, column) once, from the oldest use.

Audit: one event for the whole import (action IMPORT on the job, with what it changed), not one
per value. Measured (bench/stratsys_kpidata_bench.py, PostgreSQL): the 500,000-value file imports
in about 13 s; 500,000 audit rows with an outcome's before and after take about 30 s more to
insert, more than doubling the import and its database's growth, while the job record already
keeps what the run changed and the values' created_by/updated_by name the importer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from array import array
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from goals_service.db import auditor
from goals_service.indicators.service import OUTCOME_WRITERS, USE_WRITERS
from goals_service.jobs import service as jobs
from goals_service.jobs.models import Job
from goals_service.settings import GoalsSettings
from goals_service.stratsys import kpidata_repository as repository
from goals_service.stratsys.kpidata import (
    COMPONENTS,
    MANUAL_VALUE,
    ColumnMeaning,
    KpiFileLayout,
    Line,
    Measure,
    column_meanings,
    format_value,
    last_day,
    period_number,
    period_of,
    read_lines,
)
from styrkedjan_common import csv_text
from styrkedjan_common.csv_text import MAX_LISTED_ERRORS, line_pointer, listed_note, open_text
from styrkedjan_common.db import lock_for_rule, utcnow
from styrkedjan_common.identity import Principal
from styrkedjan_common.org_units import OrgUnit, OrgUnitReplica
from styrkedjan_common.problems import InvalidInput, RuleViolation

KIND = "STRATSYS_KPIDATA"
SOURCE = "Stratsys"
# Lines read and resolved per step in the worker thread; progress is committed between steps.
BATCH_LINES = 10_000
# (use, period) groups read, compared and written per statement.
GROUPS_PER_WRITE = 5000
# Distinct (unit, day) lookups remembered while a file is read.
UNITS_REMEMBERED = 100_000
_COMPONENT = {name: index for index, name in enumerate(COMPONENTS)}


def max_bytes(settings: GoalsSettings) -> int:
    return settings.stratsys_kpidata_max_bytes


def meanings(settings: GoalsSettings) -> dict[str, ColumnMeaning]:
    return column_meanings(settings.stratsys_kpi_columns)


# --- what lines are resolved against ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicatorInfo:
    id: uuid.UUID
    name: str
    frequency: str
    gender_split: bool
    external_codes: dict[str, Any]


@dataclass
class Catalogue:
    """The indicators and their uses, loaded once per import or export."""

    indicators: dict[uuid.UUID, IndicatorInfo]
    uses: dict[tuple[str, uuid.UUID], list[uuid.UUID]]  # (org unit, indicator) -> uses, oldest first

    def by_code(self, system: str) -> dict[str, list[IndicatorInfo]]:
        found: dict[str, list[IndicatorInfo]] = defaultdict(list)
        for info in self.indicators.values():
            code = info.external_codes.get(system)
            if isinstance(code, str) and code:
                found[code].append(info)
        return found

    def by_name(self) -> dict[str, list[IndicatorInfo]]:
        found: dict[str, list[IndicatorInfo]] = defaultdict(list)
        for info in self.indicators.values():
            found[info.name].append(info)
        return found


async def load_catalogue(session: AsyncSession) -> Catalogue:
    indicators = {
        row.id: IndicatorInfo(row.id, row.name, row.frequency, row.gender_split, row.external_codes or {})
        for row in await repository.indicators(session)
    }
    uses: dict[tuple[str, uuid.UUID], list[uuid.UUID]] = defaultdict(list)
    for row in await repository.uses(session):
        uses[(str(row.org_unit_id), row.indicator_id)].append(row.id)
    return Catalogue(indicators, uses)


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pair:
    """A unit's following of an indicator: the uses a line for it lands on."""

    unit: OrgUnit
    indicator: IndicatorInfo
    use_ids: tuple[uuid.UUID, ...]


@dataclass
class Reading:
    """What the file says, kept compactly: per value its key, line and value in millionths. A key
    is ((((pair * 2 + measure) * 10000 + year) * 16 + period number) * 4 + component)."""

    pairs: list[Pair] = field(default_factory=list)
    pair_index: dict[tuple[str, uuid.UUID], int] = field(default_factory=dict)
    keys: array[int] = field(default_factory=lambda: array("q"))
    lines: array[int] = field(default_factory=lambda: array("q"))
    values: list[int] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    error_count: int = 0
    lines_read: int = 0
    skipped: int = 0

    def error(self, line: int, detail: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append((line, detail))


def encode(pair: int, measure: Measure, year: int, number: int, component: str) -> int:
    return (((pair * 2 + (measure == Measure.TARGET)) * 10000 + year) * 16 + number) * 4 + _COMPONENT[component]


def decode(key: int) -> tuple[int, Measure, int, int, str]:
    key, component = divmod(key, 4)
    key, number = divmod(key, 16)
    key, year = divmod(key, 10000)
    pair, target = divmod(key, 2)
    return pair, Measure.TARGET if target else Measure.OUTCOME, year, number, COMPONENTS[component]


class Resolver:
    """Resolves a file's lines into a Reading. Runs in a worker thread: it only reads memory."""

    def __init__(
        self,
        layout: KpiFileLayout,
        code_system: str,
        catalogue: Catalogue,
        replica: OrgUnitReplica,
        principal: Principal,
        columns: dict[str, ColumnMeaning],
    ) -> None:
        self.layout = layout
        self.code_system = code_system
        self.catalogue = catalogue
        self.replica = replica
        self.principal = principal
        self.columns = columns
        self.reading = Reading()
        self._indicators = catalogue.by_code(code_system) if layout == KpiFileLayout.ROWWISE else catalogue.by_name()
        self._units_by_name: dict[str, list[OrgUnit]] = defaultdict(list)
        if layout == KpiFileLayout.MANUAL:
            for unit in replica.units.values():
                self._units_by_name[unit.name].append(unit)
        self._in_scope: dict[tuple[str, Measure], bool] = {}
        self._pairs: dict[tuple[str, uuid.UUID, ColumnMeaning], int | list[str]] = {}
        self._units_on: dict[tuple[str, dt.date | None], list[OrgUnit]] = {}
        self._manual = ColumnMeaning(*MANUAL_VALUE)

    def _units(self, line: Line) -> list[OrgUnit]:
        key = (line.unit, line.day)
        found = self._units_on.get(key)
        if found is None:
            if len(self._units_on) > UNITS_REMEMBERED:
                self._units_on.clear()
            found = self._units_on[key] = self._find_units(line)
        return found

    def _find_units(self, line: Line) -> list[OrgUnit]:
        if self.layout == KpiFileLayout.ROWWISE:
            unit = self.replica.by_code(self.code_system, line.unit, line.day)
            return [] if unit is None else [unit]
        named = self._units_by_name.get(line.unit, [])
        if len(named) > 1 and line.day is not None:
            named = [unit for unit in named if unit.valid_on(line.day)] or named
        return named

    def _resolve(self, line: Line, problems: list[str]) -> tuple[OrgUnit, IndicatorInfo] | None:
        """The line's unit and indicator. Names (layout 2) shared by several units or indicators are
        narrowed to the one unit following the one indicator; still several is ambiguous."""
        units = self._units(line) if line.unit else []
        indicators = self._indicators.get(line.measure, []) if line.measure else []
        if line.unit and not units:
            how = (
                f"no org unit carries it as its {self.code_system} code"
                if self.layout == KpiFileLayout.ROWWISE
                else "no org unit has this name"
            )
            problems.append(f"unknown unit {line.unit!r}: {how}")
        what = "KPI" if self.layout == KpiFileLayout.ROWWISE else "measure"
        if line.measure and not indicators:
            how = (
                f"no indicator carries it as its {self.code_system} code"
                if self.layout == KpiFileLayout.ROWWISE
                else "no indicator has this name"
            )
            problems.append(f"unknown {what} {line.measure!r}: {how}")
        if not units or not indicators:
            return None
        if len(units) == 1 and len(indicators) == 1:
            return units[0], indicators[0]
        followed = [(unit, info) for unit in units for info in indicators if (unit.id, info.id) in self.catalogue.uses]
        if len(followed) == 1:
            return followed[0]
        if len(units) > 1:
            problems.append(f"ambiguous unit {line.unit!r}: {len(units)} org units have this name")
        if len(indicators) > 1:
            problems.append(f"ambiguous {what} {line.measure!r}: {len(indicators)} indicators match")
        return None

    def _can_write(self, unit: OrgUnit, measure: Measure) -> bool:
        key = (unit.id, measure)
        if key not in self._in_scope:
            roles = OUTCOME_WRITERS if measure == Measure.OUTCOME else USE_WRITERS
            self._in_scope[key] = self.principal.has_any_role(roles) and self.principal.can_act_on(unit.id, roles)
        return self._in_scope[key]

    def _checked_pair(self, unit: OrgUnit, indicator: IndicatorInfo, meaning: ColumnMeaning) -> int | list[str]:
        """The pair's index in the reading, or what forbids the value (remembered per unit, indicator and column)."""
        key = (unit.id, indicator.id, meaning)
        found = self._pairs.get(key)
        if found is not None:
            return found
        problems = []
        if (unit.id, indicator.id) not in self.catalogue.uses:
            problems.append(f"{unit.name} does not follow the indicator {indicator.name!r}: it has no use of it")
        if meaning.component != "total" and not indicator.gender_split:
            problems.append(f"{indicator.name!r} is not split by women and men: it takes totals only")
        if not self._can_write(unit, meaning.measure):
            what = "outcomes" if meaning.measure == Measure.OUTCOME else "targets"
            problems.append(f"outside your scope: you do not write the {what} of {unit.name}")
        if problems:
            self._pairs[key] = problems
            return problems
        reading = self.reading
        pair_key = (unit.id, indicator.id)
        pair = reading.pair_index.get(pair_key)
        if pair is None:
            pair = reading.pair_index[pair_key] = len(reading.pairs)
            reading.pairs.append(Pair(unit, indicator, tuple(self.catalogue.uses[pair_key])))
        self._pairs[key] = pair
        return pair

    def add(self, line: Line) -> None:
        reading = self.reading
        problems = list(line.problems)
        meaning: ColumnMeaning | None
        if self.layout == KpiFileLayout.ROWWISE:
            meaning = self.columns.get(line.column) if line.column else None
            if line.column and meaning is None:
                problems.append(f"unknown column_code {line.column!r}: one of {', '.join(self.columns)}")
        else:
            meaning = self._manual
        resolved = self._resolve(line, problems)
        pair: int | list[str] = []
        if resolved is not None and meaning is not None:
            pair = self._checked_pair(*resolved, meaning)
            if isinstance(pair, list):
                problems += pair
        if problems:
            reading.error(line.number, "; ".join(problems))
            return
        assert resolved is not None and meaning is not None and line.day is not None and isinstance(pair, int)
        if line.value is None:
            reading.skipped += 1
            return
        measure = meaning.measure
        number = period_number(resolved[1].frequency, line.day.month) if measure == Measure.OUTCOME else 0
        reading.keys.append(encode(pair, measure, line.day.year, number, meaning.component))
        reading.lines.append(line.number)
        reading.values.append(line.value)

    def resolve_batches(self, lines: Iterator[Line]) -> Iterator[int]:
        """Resolves the lines, yielding the count read after each batch (blocking: one step per call)."""
        for line in lines:
            self.add(line)
            self.reading.lines_read += 1
            if self.reading.lines_read % BATCH_LINES == 0:
                yield self.reading.lines_read
        yield self.reading.lines_read


def _column_names(columns: dict[str, ColumnMeaning]) -> dict[tuple[Measure, str], str]:
    """The first column naming each meaning: how a refusal and an export name it."""
    names: dict[tuple[Measure, str], str] = {}
    for column, meaning in columns.items():
        names.setdefault((meaning.measure, meaning.component), column)
    return names


def find_duplicates(reading: Reading, columns: dict[str, ColumnMeaning], layout: KpiFileLayout) -> list[int]:
    """The values sorted by key (and line), each duplicate key reported on its later line."""
    order = sorted(range(len(reading.keys)), key=reading.keys.__getitem__)
    names = _column_names(columns)
    for previous, current in zip(order, order[1:], strict=False):
        if reading.keys[previous] == reading.keys[current]:
            pair, measure, year, number, component = decode(reading.keys[current])
            indicator = reading.pairs[pair].indicator
            period = period_of(indicator.frequency, year, number)[0] if measure == Measure.OUTCOME else str(year)
            column = f" and column {names[(measure, component)]}" if layout == KpiFileLayout.ROWWISE else ""
            first = reading.lines[previous]
            reading.error(
                reading.lines[current],
                f"duplicate key: the same unit, {'KPI' if layout == KpiFileLayout.ROWWISE else 'measure'}, period ({period}){column} as line {first}",
            )
    return order


# --- writing ------------------------------------------------------------------------------


@dataclass(slots=True)
class Spec:
    use_id: uuid.UUID
    measure: Measure
    year: int
    period: str
    period_index: int
    values: dict[str, Decimal]


def _groups(reading: Reading, order: Sequence[int]) -> Iterator[Spec]:
    """The values grouped by (use, period): one outcome (or a year's target) each."""
    keys, values = reading.keys, reading.values
    i, n = 0, len(order)
    while i < n:
        group = keys[order[i]] // 4
        found: dict[str, Decimal] = {}
        while i < n and keys[order[i]] // 4 == group:
            found[COMPONENTS[keys[order[i]] % 4]] = Decimal(values[order[i]]).scaleb(-6)
            i += 1
        pair_number, measure, year, number, _ = decode(group * 4)
        pair = reading.pairs[pair_number]
        period, period_index = period_of(pair.indicator.frequency, year, number) if measure == Measure.OUTCOME else (str(year), 12)
        for use_id in pair.use_ids:
            yield Spec(use_id, measure, year, period, period_index, found)


class Writer:
    """Compares a batch of groups with what is stored and writes the difference (unless a dry run)."""

    def __init__(self, session: AsyncSession, principal: Principal, run: jobs.Run, write: bool) -> None:
        self.session = session
        self.principal = principal
        self.run = run
        self.write = write
        self.now = utcnow()

    async def batch(self, specs: list[Spec]) -> None:
        outcomes = [spec for spec in specs if spec.measure == Measure.OUTCOME]
        targets = [spec for spec in specs if spec.measure == Measure.TARGET]
        if outcomes:
            stored = await repository.stored_outcomes(self.session, [(s.use_id, s.period) for s in outcomes], lock=self.write)
            await self._apply(repository.OUTCOMES, Measure.OUTCOME, outcomes, [stored.get((s.use_id, s.period)) for s in outcomes])
        if targets:
            stored_targets = await repository.stored_targets(self.session, [(s.use_id, s.year) for s in targets], lock=self.write)
            await self._apply(repository.TARGETS, Measure.TARGET, targets, [stored_targets.get((s.use_id, s.year)) for s in targets])

    async def _apply(self, table: Any, measure: Measure, specs: list[Spec], stored: list[Any]) -> None:
        # The new rows column by column (the arrays a set-based insert takes), the changed ones by id.
        names = ("use_id", "year", *COMPONENTS, *(("period", "period_index") if measure == Measure.OUTCOME else ()))
        new: dict[str, list[Any]] = {name: [] for name in names}
        created = 0
        changed: list[dict[str, Any]] = []
        for spec, row in zip(specs, stored, strict=True):
            if row is None:
                created += 1
                new["use_id"].append(spec.use_id)
                new["year"].append(spec.year)
                for name in COMPONENTS:
                    new[name].append(spec.values.get(name))
                if measure == Measure.OUTCOME:
                    new["period"].append(spec.period)
                    new["period_index"].append(spec.period_index)
                continue
            merged = {name: spec.values.get(name, getattr(row, name)) for name in COMPONENTS}
            if all(merged[name] == getattr(row, name) for name in COMPONENTS):
                self.run.count(measure.value, "unchanged")
                continue
            changed.append({"id": row.id, **merged})
        self.run.count(measure.value, "created", created)
        self.run.count(measure.value, "updated", len(changed))
        if self.write:
            by = self.principal.user_id
            stamp = {"updated_at": self.now, "updated_by": by}
            constants = stamp | {"created_at": self.now, "created_by": by, "row_version": 1, "comment": ""}
            if measure == Measure.OUTCOME:
                constants["source"] = SOURCE
            if created:
                await repository.insert_values(self.session, table, new, constants)
            await repository.update_values(self.session, table, changed, stamp)


async def _apply_all(
    session: AsyncSession, principal: Principal, run: jobs.Run, reading: Reading, order: Sequence[int], write: bool
) -> None:
    for measure in Measure:  # every kind counted, also when none of it changes
        run.count(measure.value, "unchanged", 0)
    writer = Writer(session, principal, run, write)
    specs: list[Spec] = []
    for spec in _groups(reading, order):
        specs.append(spec)
        if len(specs) >= GROUPS_PER_WRITE:
            await writer.batch(specs)
            specs = []
    if specs:
        await writer.batch(specs)


# --- the import ---------------------------------------------------------------------------


@dataclass
class Imported:
    job: Job
    repeated: bool  # the same content was imported before


async def _read_spooled(spooled: csv_text.Spooled, resolver: Resolver, run: jobs.Run) -> Reading:
    text = open_text(spooled.file, spooled.encoding)
    try:
        steps = resolver.resolve_batches(read_lines(text, resolver.layout))
        while (count := await to_thread.run_sync(next, steps, None)) is not None:
            await run.progress(count)
    finally:
        text.detach()
    return resolver.reading


def _refusal(reading: Reading, run: jobs.Run) -> InvalidInput:
    errors = [{"pointer": line_pointer(line), "detail": detail} for line, detail in sorted(reading.errors)][:MAX_LISTED_ERRORS]
    note = listed_note(reading.error_count, len(errors))
    return InvalidInput(
        f"{reading.error_count} line(s) of the file are wrong{note}; nothing was imported (job {run.id})",
        errors=errors,
        headers=_run_location(run),
    )


def _run_location(run: jobs.Run) -> dict[str, str]:
    return {"Content-Location": f"/api/goals/v1/jobs/{run.id}"}


def _summary(reading: Reading, run: jobs.Run, dry_run: bool) -> str:
    counts = ", ".join(
        f"{kind}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged" for kind, c in sorted(run.counts.items())
    )
    skipped = f"; {reading.skipped} line(s) with an empty value skipped (no value)" if reading.skipped else ""
    return f"{'dry run, nothing written: ' if dry_run else ''}{reading.lines_read} line(s) read; {counts}{skipped}"


async def import_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    read_sessionmaker: async_sessionmaker[AsyncSession],
    principal: Principal,
    replica: OrgUnitReplica,
    settings: GoalsSettings,
    *,
    layout: KpiFileLayout,
    code_system: str,
    dry_run: bool,
    body: AsyncIterator[bytes],
    source: str,
) -> Imported:
    """Import a layout 1 or 2 file: all or nothing, recorded as a job (see the module's notes)."""
    columns = meanings(settings)
    limit = max_bytes(settings)
    spooled = await csv_text.spool(body, limit, f"a file of KPI data is at most {limit} bytes; split it by year")
    try:
        await replica.catch_up()  # lines name units by code or name: the replica first knows every unit made so far
        async with read_sessionmaker() as session:
            repeated = not dry_run and await jobs.previous_success(session, KIND, spooled.sha256) is not None
            catalogue = await load_catalogue(session)
        run = await jobs.start(sessionmaker, principal, kind=KIND, dry_run=dry_run, source=source, content_sha256=spooled.sha256)
        resolver = Resolver(layout, code_system, catalogue, replica, principal, columns)
        reading = resolver.reading
        try:
            await _read_spooled(spooled, resolver, run)
            order = await to_thread.run_sync(find_duplicates, reading, columns, layout)
            if reading.error_count:
                raise _refusal(reading, run)
            if not reading.lines_read:
                raise InvalidInput(
                    f"the file holds no lines; nothing was imported (job {run.id})",
                    errors=[{"pointer": line_pointer(1), "detail": "no lines"}],
                    headers=_run_location(run),
                )
            if dry_run:
                async with read_sessionmaker() as session:
                    await _apply_all(session, principal, run, reading, order, write=False)
            else:
                await run.writing()
                async with sessionmaker() as session, session.begin():
                    await _write(session, principal, run, reading, order, layout, spooled.sha256)
        except InvalidInput as exc:
            listed = exc.errors or [{"pointer": "#", "detail": exc.detail}]
            await run.refused(listed, max(reading.error_count, len(listed)), message=exc.detail)
            raise
        except RuleViolation as exc:
            await run.refused([{"pointer": "#", "detail": exc.detail}], 1, message=exc.detail)
            exc.headers = _run_location(run)
            raise
        except Exception as exc:  # a cancelled request's run is left RUNNING and reads as ABORTED
            await run.failed(f"{type(exc).__name__}: {exc}")
            raise
        await run.succeeded(_summary(reading, run, dry_run))
        return Imported(run.job, repeated)
    finally:
        spooled.close()


async def _write(
    session: AsyncSession, principal: Principal, run: jobs.Run, reading: Reading, order: Sequence[int], layout: KpiFileLayout, sha256: str
) -> None:
    await lock_for_rule(session, KIND)  # one import of KPI data at a time: two never insert the same key
    use_ids = {use_id for pair in reading.pairs for use_id in pair.use_ids}
    missing = use_ids - await repository.existing_use_ids(session, use_ids)
    if missing:
        raise RuleViolation(
            f"{len(missing)} indicator use(s) the file lands on were removed while it was read; nothing was imported, send it again"
        )
    await _apply_all(session, principal, run, reading, order, write=True)
    # One event for the import, with what it changed: see the module's notes.
    after = {"kind": KIND, "layout": layout.value, "content_sha256": sha256, "lines_read": reading.lines_read, "counts": run.counts}
    auditor.record(session, principal, "IMPORT", "job", run.id, after=after)


# --- export -------------------------------------------------------------------------------


async def export_file(
    session: AsyncSession,
    replica: OrgUnitReplica,
    settings: GoalsSettings,
    *,
    layout: KpiFileLayout,
    year: int,
    org_unit_ids: list[uuid.UUID] | None,
    code_system: str,
) -> str:
    """The year's outcomes (and in layout 1 its targets) as a file that imports back unchanged: each
    (unit, indicator, period, column) once, from the unit's oldest use; a unit or indicator without
    a code in `code_system` (layout 1) is left out, as it could not be read back."""
    catalogue = await load_catalogue(session)
    names = _column_names(meanings(settings))
    outcomes = await repository.outcomes_of_year(session, year, org_unit_ids)
    targets = await repository.targets_of_year(session, year, org_unit_ids) if layout == KpiFileLayout.ROWWISE else []
    await replica.find_all({row.org_unit_id for rows in (outcomes, targets) for row in rows})
    seen: set[tuple[str, str, str, str]] = set()
    lines: list[tuple[Any, ...]] = []
    for measure, rows in ((Measure.OUTCOME, outcomes), (Measure.TARGET, targets)):
        for row in rows:
            unit = replica.units.get(str(row.org_unit_id))
            indicator = catalogue.indicators.get(row.indicator_id)
            if unit is None or indicator is None:
                continue
            day = last_day(year, row.period_index if measure == Measure.OUTCOME else 12).isoformat()
            if layout == KpiFileLayout.MANUAL:
                if row.total is None or (unit.name, day, indicator.name, "") in seen:
                    continue
                seen.add((unit.name, day, indicator.name, ""))
                lines.append((unit.name, day, indicator.name, format_value(row.total)))
                continue
            unit_code, kpi_code = unit.external_codes.get(code_system), indicator.external_codes.get(code_system)
            if not unit_code or not kpi_code:
                continue
            for position, component in enumerate(COMPONENTS):
                value = getattr(row, component)
                column = names.get((measure, component))
                if value is None or column is None or (unit_code, kpi_code, day, column) in seen:
                    continue
                seen.add((unit_code, kpi_code, day, column))
                lines.append((day, unit_code, kpi_code, measure == Measure.TARGET, position, column, format_value(value)))
    if layout == KpiFileLayout.MANUAL:
        return "".join("\t".join(line) + "\n" for line in sorted(lines))
    body = "".join(f"{day};{unit};{kpi};{column};{value}\n" for day, unit, kpi, _, _, column, value in sorted(lines))
    return "date;unit_code;kpi_code;column_code;value\n" + body

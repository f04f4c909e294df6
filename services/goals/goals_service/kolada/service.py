"""Kolada's rules (issue: key figures compared nationally). A sync reads Kolada's metadata and
values for our municipality and our peers, then writes them in one transaction: KPI metadata into
the catalogue, every value into Kolada's own table, and our values into the outcomes of every use
of a catalogue key figure whose source is Kolada (per year, total / women / men, source "Kolada").
A file import does the same from Kolada's JSON files. Each run is a job.

The comparison: for a key figure, a peer group and years, our value, each peer's, the median of the
group with ours counted in it (the usual reading: the middle of all the compared municipalities),
and our rank (1 = best by the catalogue's direction, else highest first; ties share a rank;
missing values are neither ranked nor in the median)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from goals_service.db import auditor
from goals_service.indicators import service as indicators
from goals_service.indicators.models import Indicator, IndicatorOutcome
from goals_service.indicators.schemas import Frequency, IndicatorOutcomePut, Source, plain_decimal
from goals_service.indicators.status import Direction
from goals_service.jobs import service as jobs
from goals_service.jobs.models import Job
from goals_service.kolada import payload, repository
from goals_service.kolada.client import KoladaClient
from goals_service.kolada.models import KoladaMunicipality, KoladaPeerGroup, KoladaValue
from goals_service.kolada.payload import DataRow, Errors, KpiMeta, Municipality
from goals_service.kolada.schemas import (
    FactorComparison,
    FactorKeyFigure,
    KoladaComparison,
    KoladaGender,
    MunicipalityValue,
    PeerGroupCreate,
    PeerGroupRead,
    PeerGroupUpdate,
    YearComparison,
)
from goals_service.quality import repository as quality_repository
from goals_service.settings import GoalsSettings
from styrkedjan_common.db import utcnow
from styrkedjan_common.identity import Principal, PrincipalKind, Role
from styrkedjan_common.problems import Forbidden, InvalidInput, NotFound, ProblemError, RuleViolation

SYNC, FILE = "KOLADA_SYNC", "KOLADA_FILE"
LEASE = "sync"
OUTCOME_SOURCE = "Kolada"
PEER_GROUP = "kolada_peer_group"
# The scheduled sync acts as this machine client in the audit trail and the job list.
SYNC_CLIENT = Principal(user_id="client:kolada-sync", name="Kolada sync", assignments=(), kind=PrincipalKind.CLIENT)
# A Kolada file: at most this large (Kolada's pages are at most 5000 rows).
MAX_FILE_BYTES = 20 * 1024 * 1024
GENDER_FIELDS = {"T": "total", "K": "women", "M": "men"}


# --- who may ------------------------------------------------------------------------------


def sees_whole_municipality(principal: Principal) -> bool:
    """Administrators, and the council with the whole municipality in its scope."""
    return Role.ADMIN in principal.roles or (Role.FULLMAKTIGE in principal.roles and principal.scope_of((Role.FULLMAKTIGE,)) is None)


def ensure_kolada_manager(principal: Principal, what: str) -> None:
    if not sees_whole_municipality(principal):
        raise Forbidden(f"{what} is for the council (fullmaktige) with the whole municipality and the administrators")


# --- reading Kolada -----------------------------------------------------------------------


@dataclass
class Read:
    """Everything a run read, checked, before it writes."""

    metas: list[KpiMeta] = field(default_factory=list)
    municipalities: list[Municipality] = field(default_factory=list)
    rows: list[DataRow] = field(default_factory=list)
    errors: Errors = field(default_factory=Errors)
    # Key figures the run brings into the catalogue when missing (a metadata file, or the setting).
    create_missing: set[str] = field(default_factory=set)

    def refuse_if_wrong(self, what: str) -> None:
        if self.errors.count:
            problem = InvalidInput(
                f"{self.errors.count} value(s) of {what} do not fit Kolada's format; nothing was written", errors=self.errors.listed
            )
            setattr(problem, "error_count", self.errors.count)  # noqa: B010 - the listed errors are capped, the count is not
            raise problem


def years_to_read(settings: GoalsSettings, today: dt.date) -> list[int]:
    return list(range(today.year - settings.kolada_years_back, today.year + 1))


def from_date_of(last_success: dt.datetime | None, full: bool) -> dt.date | None:
    """Incremental from the day the last successful sync started (a day's overlap changes nothing)."""
    return None if full or last_success is None else last_success.date()


async def read_from_kolada(
    sessionmaker: async_sessionmaker[AsyncSession], settings: GoalsSettings, client: KoladaClient, run: jobs.Run, *, full: bool
) -> Read:
    read = Read(create_missing=set(settings.kolada_kpi_ids))
    ours = settings.kolada_municipality_id
    async with sessionmaker() as session:
        kpis = sorted(set(await repository.kolada_kpi_ids(session)) | read.create_missing)
        peers = await repository.peer_municipality_ids(session)
        last = await repository.last_success_started(session, SYNC)
        synced = await repository.kpis_with_values(session, kpis, ours) if kpis else set()
    if not kpis:
        return read
    municipality_ids = sorted(peers | {ours})
    read.metas = payload.kpi_metas(await client.kpis(kpis), read.errors)
    read.municipalities = payload.municipalities(await client.municipalities(municipality_ids), read.errors)
    since = from_date_of(last, full)
    years = years_to_read(settings, utcnow().date())
    # A key figure new to the sync (no values of ours yet) is read whole; the others since the last sync.
    groups = [(sorted(set(kpis) - synced), None), (sorted(synced), since)] if since else [(kpis, None)]
    seen = 0
    for group, from_date in groups:
        if not group:
            continue
        async for page in client.values(group, municipality_ids, years, from_date):
            read.rows.extend(payload.data_rows(page, read.errors, base=f"#/values/page/{seen}"))
            seen += 1
            await run.progress(len(read.rows))
    return read


def document_rows(body: bytes) -> tuple[list[Any], str]:
    """The rows of one of Kolada's JSON files and which document it is (data, kpi, municipality or
    empty); a body that is none of them is refused before any run starts."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(
            "the file is not JSON: give one of Kolada's JSON files as it is (data, kpi or municipality)",
            errors=[{"pointer": "#", "detail": f"not JSON: {exc}"}],
        ) from exc
    errors = Errors()
    rows = payload.envelope_values(document, errors)
    if errors.count:
        raise InvalidInput("the file is not Kolada's envelope {count, values, next_url}", errors=errors.listed)
    kind = payload.kind_of(rows)
    if kind is None and rows:
        raise InvalidInput(
            "the file is none of Kolada's documents this import reads: data (kpi, municipality, period, values), "
            "KPI metadata (id, title, is_divided_by_gender) or municipalities (id, title, type)",
            errors=[{"pointer": "#/values/0", "detail": "unknown kind of row"}],
        )
    return rows, kind or "empty"


def read_rows(rows: list[Any], kind: str) -> Read:
    """Every row checked; all that do not fit are listed."""
    read = Read()
    if kind == "data":
        read.rows = payload.data_rows(rows, read.errors)
    elif kind == "kpi":
        read.metas = payload.kpi_metas(rows, read.errors)
        read.create_missing = {meta.id for meta in read.metas}
    elif kind == "municipality":
        read.municipalities = payload.municipalities(rows, read.errors)
    read.refuse_if_wrong("the file")
    return read


# --- writing what was read ----------------------------------------------------------------


def unit_of(title: str) -> str:
    """The unit a key figure's title states (Kolada has no unit field): "(%)"/", %" → %, kronor → kr, else st."""
    lowered = title.lower()
    if "%" in lowered or "andel" in lowered:
        return "%"
    if "kr" in lowered.split() or "kronor" in lowered or "kr/" in lowered or "tkr" in lowered:
        return "kr"
    return "st"


async def apply_metadata(session: AsyncSession, principal: Principal, run: jobs.Run, read: Read) -> None:
    """Kolada's title, description, gender split and Agenda 2030 links onto the catalogue's key
    figures from Kolada; a key figure missing from the catalogue is added when the run brings it."""
    existing = await repository.indicators_of_kpis(session, [meta.id for meta in read.metas])
    by_kpi: dict[str, list[Indicator]] = {}
    for indicator in existing:
        by_kpi.setdefault(indicator.kolada_kpi_id or "", []).append(indicator)
    for meta in read.metas:
        kolada_ones = [i for i in by_kpi.get(meta.id, []) if i.source == Source.KOLADA.value]
        if not kolada_ones:
            if meta.id in read.create_missing and meta.id not in by_kpi:
                await _create_indicator(session, principal, meta)
                run.count("indicator", "created")
            continue
        for indicator in kolada_ones:
            changed = await _update_indicator(session, principal, indicator, meta)
            run.count("indicator", "updated" if changed else "unchanged")


async def _create_indicator(session: AsyncSession, principal: Principal, meta: KpiMeta) -> Indicator:
    indicator = Indicator(
        name=meta.title,
        definition=meta.description,
        unit=unit_of(meta.title),
        # Kolada does not say which way is better; higher is the usual reading, and an editor may turn it.
        direction=Direction.HIGHER_IS_BETTER.value,
        frequency=Frequency.YEARLY.value,
        source=Source.KOLADA.value,
        kolada_kpi_id=meta.id,
        gender_split=meta.gender_split,
        sdgs=meta.sdgs or [],
        external_codes={},
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(indicator)
    await session.flush()
    auditor.record(session, principal, "CREATE", indicators.INDICATOR, indicator.id, after=_snapshot(indicator))
    return indicator


def _snapshot(indicator: Indicator) -> dict[str, Any]:
    return indicators.to_indicator_read(indicator).model_dump(mode="json")


async def _update_indicator(session: AsyncSession, principal: Principal, indicator: Indicator, meta: KpiMeta) -> bool:
    wanted: dict[str, Any] = {"name": meta.title, "definition": meta.description, "gender_split": meta.gender_split}
    if meta.sdgs is not None:
        wanted["sdgs"] = meta.sdgs
    # Values by gender already recorded keep the split on (the catalogue's rule).
    if indicator.gender_split and not meta.gender_split and await repository.has_gender_values(session, indicator.id):
        wanted.pop("gender_split")
    if all(getattr(indicator, name) == value for name, value in wanted.items()):
        return False
    before = _snapshot(indicator)
    for name, value in wanted.items():
        setattr(indicator, name, value)
    indicator.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", indicators.INDICATOR, indicator.id, before=before, after=_snapshot(indicator))
    return True


async def apply_municipalities(session: AsyncSession, run: jobs.Run, found: Sequence[Municipality]) -> None:
    stored = await repository.municipalities(session, [m.id for m in found])
    for municipality in found:
        row = stored.get(municipality.id)
        if row is None:
            session.add(KoladaMunicipality(id=municipality.id, title=municipality.title, type=municipality.type))
            run.count("kolada_municipality", "created")
        elif (row.title, row.type) != (municipality.title, municipality.type):
            row.title, row.type = municipality.title, municipality.type
            run.count("kolada_municipality", "updated")
        else:
            run.count("kolada_municipality", "unchanged")
    await session.flush()


async def apply_values(session: AsyncSession, run: jobs.Run, rows: Sequence[DataRow]) -> set[tuple[str, int]]:
    """Each row states a key figure's values of one municipality and year whole: genders it leaves
    out are removed, a deleted row removes them all. The (kpi, year) of ours that changed."""
    keys = [(row.kpi, row.municipality, row.year) for row in rows]
    stored = await repository.stored_values(session, keys)
    now = utcnow()
    touched: set[tuple[str, str, int]] = set()
    for row in rows:
        key = (row.kpi, row.municipality, row.year)
        touched.add(key)
        wanted = {} if row.deleted else {value.gender: value for value in row.values}
        for gender in payload.GENDERS:
            current = stored.get((*key, gender))
            new = wanted.get(gender)
            if new is None:
                if current is not None:
                    await repository.delete_value(session, current)
                    stored.pop((*key, gender))
                    run.count("kolada_value", "deleted")
                continue
            if current is None:
                value = KoladaValue(
                    kpi_id=row.kpi,
                    municipality_id=row.municipality,
                    year=row.year,
                    gender=gender,
                    value=new.value,
                    status=new.status,
                    count=new.count,
                    updated_at=now,
                )
                session.add(value)
                stored[(*key, gender)] = value
                run.count("kolada_value", "created")
            elif (current.value, current.status, current.count) == (new.value, new.status, new.count):
                run.count("kolada_value", "unchanged")
            else:
                current.value, current.status, current.count, current.updated_at = new.value, new.status, new.count, now
                run.count("kolada_value", "updated")
    await session.flush()
    return {(kpi, year) for kpi, _, year in touched}


async def apply_outcomes(session: AsyncSession, principal: Principal, run: jobs.Run, ours: str, changed: set[tuple[str, int]]) -> None:
    """Our values fill the yearly outcomes of every use of the catalogue's Kolada key figures:
    total / women / men (women and men where the key figure is split); none left: the outcome
    Kolada wrote is removed (one recorded by hand is left)."""
    if not changed:
        return
    kpis = sorted({kpi for kpi, _ in changed})
    catalogue = [
        i
        for i in await repository.indicators_of_kpis(session, kpis)
        if i.source == Source.KOLADA.value and i.frequency == Frequency.YEARLY.value
    ]
    if not catalogue:
        return
    uses = await repository.uses_of(session, [i.id for i in catalogue])
    periods = sorted({str(year) for _, year in changed})
    existing = await repository.outcomes(session, [use.id for use in uses], periods)
    values = await repository.stored_values(session, [(kpi, ours, year) for kpi, year in changed])
    by_id = {i.id: i for i in catalogue}
    for use in uses:
        indicator = by_id[use.indicator_id]
        for kpi, year in sorted(changed):
            if indicator.kolada_kpi_id != kpi:
                continue
            figures = {name: _value_of(values.get((kpi, ours, year, g))) for g, name in GENDER_FIELDS.items()}
            if not indicator.gender_split:
                figures["women"] = figures["men"] = None
            outcome = existing.get((use.id, str(year)))
            await _fill_outcome(session, principal, run, indicator, use, str(year), figures, outcome)


def _value_of(value: KoladaValue | None) -> Decimal | None:
    return None if value is None or value.value is None else plain_decimal(value.value)


async def _fill_outcome(
    session: AsyncSession,
    principal: Principal,
    run: jobs.Run,
    indicator: Indicator,
    use: Any,
    period: str,
    figures: dict[str, Decimal | None],
    outcome: IndicatorOutcome | None,
) -> None:
    if all(value is None for value in figures.values()):
        if outcome is not None and outcome.source == OUTCOME_SOURCE:
            await indicators.delete_value(session, principal, outcome, indicators.OUTCOME, indicators.to_outcome_read)
            run.count("indicator_outcome", "deleted")
        return
    data = IndicatorOutcomePut(**figures, comment=outcome.comment if outcome else "", source=OUTCOME_SOURCE)
    if outcome is not None and all(getattr(outcome, name) == getattr(data, name) for name in ("total", "women", "men", "source")):
        run.count("indicator_outcome", "unchanged")
        return
    await indicators.put_outcome(session, principal, indicator, use, period, data, outcome)
    run.count("indicator_outcome", "created" if outcome is None else "updated")


async def apply(session: AsyncSession, principal: Principal, run: jobs.Run, settings: GoalsSettings, read: Read) -> None:
    await apply_metadata(session, principal, run, read)
    await apply_municipalities(session, run, read.municipalities)
    changed = await apply_values(session, run, read.rows)
    ours = settings.kolada_municipality_id
    await apply_outcomes(session, principal, run, ours, {(kpi, year) for kpi, year in changed})


def summary(run: jobs.Run) -> str:
    parts = [f"{kind}: " + ", ".join(f"{n} {change}" for change, n in counts.items() if n) for kind, counts in sorted(run.counts.items())]
    return "; ".join(part for part in parts if not part.endswith(": ")) or "nothing to read"


async def _write(
    sessionmaker: async_sessionmaker[AsyncSession], principal: Principal, run: jobs.Run, settings: GoalsSettings, read: Read, dry_run: bool
) -> None:
    """Everything read, in one transaction; a dry run counts what would change and writes nothing."""
    await run.writing()
    async with sessionmaker() as session:
        try:
            await apply(session, principal, run, settings, read)
        except BaseException:
            await session.rollback()
            raise
        if dry_run:
            await session.rollback()
        else:
            await session.commit()


@asynccontextmanager
async def recorded(run: jobs.Run) -> AsyncIterator[jobs.Run]:
    """As jobs.recorded, with what changed as the message of a successful run."""
    try:
        yield run
    except (InvalidInput, RuleViolation) as exc:
        await run.refused(exc.errors or [{"pointer": "#", "detail": exc.detail}], getattr(exc, "error_count", None), message=exc.detail)
        exc.detail = f"{exc.detail} (job {run.id})"
        exc.headers = {**(exc.headers or {}), "Content-Location": f"/api/goals/v1/jobs/{run.id}"}
        raise
    except ProblemError as exc:
        await run.failed(exc.detail)
        raise
    except Exception as exc:
        await run.failed(f"{type(exc).__name__}: {exc}")
        raise
    await run.succeeded(summary(run))


# --- a sync -------------------------------------------------------------------------------


async def _claim(sessionmaker: async_sessionmaker[AsyncSession], settings: GoalsSettings, holder: str) -> bool:
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        return await repository.claim_lease(session, LEASE, holder, now, now + dt.timedelta(seconds=settings.kolada_lease_seconds))


async def _release(sessionmaker: async_sessionmaker[AsyncSession], holder: str) -> None:
    async with sessionmaker() as session, session.begin():
        await repository.release_lease(session, LEASE, holder)


def ensure_configured(settings: GoalsSettings) -> None:
    """Without an address this installation does not reach Kolada (a network without internet):
    a lasting state, not an outage, so a 409 saying what to do instead."""
    if not settings.kolada_base_url:
        raise RuleViolation(
            "this installation does not reach Kolada (no GOALS_KOLADA_BASE_URL): import Kolada's JSON files at /kolada/imports instead"
        )


async def sync(
    sessionmaker: async_sessionmaker[AsyncSession],
    principal: Principal,
    settings: GoalsSettings,
    client: KoladaClient,
    *,
    full: bool = False,
    dry_run: bool = False,
) -> Job | None:
    """One run of the sync, recorded as a job; None when another run holds the lease."""
    ensure_configured(settings)
    holder = f"{principal.user_id}:{uuid.uuid4()}"
    if not await _claim(sessionmaker, settings, holder):
        return None
    try:
        run = await jobs.start(sessionmaker, principal, kind=SYNC, dry_run=dry_run, source=client.base_url)
        async with recorded(run):
            read = await read_from_kolada(sessionmaker, settings, client, run, full=full)
            read.refuse_if_wrong("Kolada's answer")
            await _write(sessionmaker, principal, run, settings, read, dry_run)
        return run.job
    finally:
        await _release(sessionmaker, holder)


async def start_sync(
    sessionmaker: async_sessionmaker[AsyncSession],
    principal: Principal,
    settings: GoalsSettings,
    client: KoladaClient,
    *,
    full: bool,
    dry_run: bool,
) -> Job:
    ensure_kolada_manager(principal, "a Kolada sync")
    job = await sync(sessionmaker, principal, settings, client, full=full, dry_run=dry_run)
    if job is None:
        raise RuleViolation("a Kolada sync is already running (scheduled or started by someone else); its job is in /jobs?kind=KOLADA_SYNC")
    return job


# --- a file import ------------------------------------------------------------------------


async def import_file(
    sessionmaker: async_sessionmaker[AsyncSession], principal: Principal, settings: GoalsSettings, body: bytes, name: str, *, dry_run: bool
) -> tuple[Job, bool]:
    """One of Kolada's JSON files, with the same effect as a sync; the job and whether the same
    file was imported before (then nothing changes)."""
    ensure_kolada_manager(principal, "importing Kolada's files")
    if len(body) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"a Kolada file is at most {MAX_FILE_BYTES // (1024 * 1024)} MB", errors=[{"pointer": "#", "detail": "too large"}]
        )
    rows, kind = document_rows(body)
    sha = hashlib.sha256(body).hexdigest()
    async with sessionmaker() as session:
        repeated = await jobs.previous_success(session, FILE, sha) is not None
    source = f"{name or 'Kolada JSON'} ({kind})"
    run = await jobs.start(sessionmaker, principal, kind=FILE, dry_run=dry_run, source=source, content_sha256=sha)
    async with recorded(run):
        read = read_rows(rows, kind)
        read.create_missing = read.create_missing | set(settings.kolada_kpi_ids)
        await run.progress(len(read.rows) or len(read.metas) or len(read.municipalities))
        await _write(sessionmaker, principal, run, settings, read, dry_run)
    return run.job, repeated


# --- peer groups --------------------------------------------------------------------------


def to_group_read(group: KoladaPeerGroup) -> PeerGroupRead:
    return PeerGroupRead.model_validate(group)


def _distinct(ids: Sequence[str]) -> list[str]:
    return sorted(set(ids))


async def get_group(session: AsyncSession, group_id: uuid.UUID) -> KoladaPeerGroup:
    group = await repository.get_group(session, group_id)
    if group is None:
        raise NotFound(f"no peer group {group_id}")
    return group


async def members_of_kolada_group(client: KoladaClient, group_id: str) -> list[str]:
    group = await client.municipality_group(group_id)
    members = group.get("members") if isinstance(group, dict) else None
    found = [m.get("id") for m in members or [] if isinstance(m, dict)]
    ids = [i for i in found if isinstance(i, str) and payload.MUNICIPALITY_ID.match(i)]
    if not ids:
        raise InvalidInput(
            f"Kolada has no municipality group {group_id!r} with members",
            errors=[{"pointer": "#/kolada_group_id", "detail": "unknown to Kolada, or without municipalities"}],
        )
    return ids


async def create_group(
    session: AsyncSession, principal: Principal, data: PeerGroupCreate, settings: GoalsSettings, client: KoladaClient
) -> KoladaPeerGroup:
    ensure_kolada_manager(principal, "a peer group")
    if data.municipality_ids is not None:
        ids = data.municipality_ids
    else:
        ensure_configured(settings)
        ids = await members_of_kolada_group(client, str(data.kolada_group_id))
    group = KoladaPeerGroup(
        name=data.name,
        description=data.description,
        municipality_ids=_distinct(ids),
        kolada_group_id=data.kolada_group_id,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(group)
    await session.flush()
    auditor.record(session, principal, "CREATE", PEER_GROUP, group.id, after=to_group_read(group).model_dump(mode="json"))
    return group


async def update_group(session: AsyncSession, principal: Principal, group: KoladaPeerGroup, data: PeerGroupUpdate) -> KoladaPeerGroup:
    ensure_kolada_manager(principal, "a peer group")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "municipality_ids" in changes:
        changes["municipality_ids"] = _distinct(changes["municipality_ids"])
    if all(getattr(group, name) == value for name, value in changes.items()):
        return group
    before = to_group_read(group).model_dump(mode="json")
    for name, value in changes.items():
        setattr(group, name, value)
    group.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", PEER_GROUP, group.id, before=before, after=to_group_read(group).model_dump(mode="json"))
    return group


async def delete_group(session: AsyncSession, principal: Principal, group: KoladaPeerGroup) -> None:
    ensure_kolada_manager(principal, "a peer group")
    before = to_group_read(group).model_dump(mode="json")
    await session.delete(group)
    await session.flush()
    auditor.record(session, principal, "DELETE", PEER_GROUP, group.id, before=before)


# --- the comparison -----------------------------------------------------------------------


def median(values: Sequence[Decimal]) -> Decimal | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    found = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return plain_decimal(found)


def rank_of(ours: Decimal | None, values: Sequence[Decimal], direction: str | None) -> int | None:
    """1 + how many are strictly better than ours; ties share a place."""
    if ours is None:
        return None
    lower_first = direction == Direction.LOWER_IS_BETTER.value
    return 1 + sum(1 for value in values if (value < ours if lower_first else value > ours))


def years_of(raw: str | None, settings: GoalsSettings) -> list[int]:
    if raw is None or not raw.strip():
        return years_to_read(settings, utcnow().date())
    years: list[int] = []
    for part in raw.split(","):
        text = part.strip()
        if not (text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100):
            raise InvalidInput(
                "years are written as a comma-separated list such as 2024,2025",
                errors=[{"pointer": "#/query/years", "detail": f"{part!r} is not a year between 2000 and 2100"}],
            )
        years.append(int(text))
    if len(set(years)) > 30:
        raise InvalidInput("at most 30 years at once", errors=[{"pointer": "#/query/years", "detail": "at most 30 years"}])
    return sorted(set(years))


async def indicator_for(session: AsyncSession, kpi: str | None, indicator_id: uuid.UUID | None) -> tuple[str, Indicator | None]:
    if (kpi is None) == (indicator_id is None):
        raise InvalidInput(
            "name the key figure by either kpi (Kolada's id) or indicator_id (the catalogue's)",
            errors=[{"pointer": "#/query/kpi", "detail": "give exactly one of kpi and indicator_id"}],
        )
    if indicator_id is not None:
        indicator = await indicators.get_indicator(session, indicator_id)
        if not indicator.kolada_kpi_id:
            raise InvalidInput(
                f"the indicator {indicator.name!r} has no Kolada id to compare by",
                errors=[{"pointer": "#/query/indicator_id", "detail": "the indicator has no kolada_kpi_id"}],
            )
        return indicator.kolada_kpi_id, indicator
    assert kpi is not None
    catalogue = await repository.indicators_of_kpis(session, [kpi])
    return kpi, next((i for i in catalogue if i.source == Source.KOLADA.value), catalogue[0] if catalogue else None)


async def compare(
    session: AsyncSession,
    settings: GoalsSettings,
    kpi: str,
    indicator: Indicator | None,
    group: KoladaPeerGroup,
    years: Sequence[int],
    gender: KoladaGender,
) -> KoladaComparison:
    ours = settings.kolada_municipality_id
    peers = [m for m in group.municipality_ids if m != ours]
    everyone = [ours, *peers]
    stored = await repository.values_of(session, kpi, everyone, years)
    by_key = {(v.municipality_id, v.year): v for v in stored if v.gender == gender.value}
    names = {m.id: m.title for m in (await repository.municipalities(session, everyone)).values()}
    direction = indicator.direction if indicator is not None else None

    def entry(municipality: str, year: int) -> MunicipalityValue:
        value = by_key.get((municipality, year))
        return MunicipalityValue(
            id=municipality,
            name=names.get(municipality, municipality),
            value=None if value is None or value.value is None else plain_decimal(value.value),
            status=value.status if value is not None else "",
        )

    compared: list[YearComparison] = []
    for year in years:
        our = entry(ours, year)
        others = [entry(m, year) for m in peers]
        present = [e.value for e in [our, *others] if e.value is not None]
        compared.append(
            YearComparison(
                year=year, ours=our, peers=others, median=median(present), rank=rank_of(our.value, present, direction), ranked=len(present)
            )
        )
    return KoladaComparison(
        kpi=kpi,
        indicator_id=indicator.id if indicator is not None else None,
        name=indicator.name if indicator is not None else kpi,
        peer_group_id=group.id,
        gender=gender,
        direction=direction,
        years=compared,
    )


async def compare_factor(
    session: AsyncSession, settings: GoalsSettings, factor_id: uuid.UUID, group: KoladaPeerGroup, years: Sequence[int], gender: KoladaGender
) -> FactorComparison:
    if await quality_repository.get(session, factor_id) is None:
        raise NotFound(f"no quality factor {factor_id}")
    key_figures = []
    for use, indicator in await repository.kolada_uses_of_factor(session, factor_id):
        comparison = await compare(session, settings, str(indicator.kolada_kpi_id), indicator, group, years, gender)
        key_figures.append(FactorKeyFigure(indicator_use_id=use.id, comparison=comparison))
    return FactorComparison(quality_factor_id=factor_id, key_figures=key_figures)

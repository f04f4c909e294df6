"""Runs of imports and syncs, recorded as they go (the `job` table).

A run's record is written in short transactions of its own, apart from the import's transaction,
so that others see its progress while it runs and its refusal or failure after the import's own
transaction rolled back. SQLite has one writer at a time: an import reads and checks its whole
input first (progress committed as it goes), marks the run WRITING, and only then opens its write
transaction, during which the record is left alone until the end.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from goals_service.jobs import repository
from goals_service.jobs.models import Job
from goals_service.jobs.schemas import JobPhase, JobRead, JobState
from styrkedjan_common.db import utcnow
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.problems import InvalidInput, NotFound, ProblemError, RuleViolation

# A run that has not shown a sign of life for this long was stopped with its process.
STALE_AFTER = dt.timedelta(minutes=5)
# The errors a refused run keeps and lists; error_count counts them all.
MAX_LISTED_ERRORS = 1000
# Progress is committed at most this often (seconds).
PROGRESS_INTERVAL = 0.5
CHANGES = ("created", "updated", "unchanged", "deleted")


class Run:
    """The record of one run while it runs: progress, the changes counted, and how it ended."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], job: Job) -> None:
        self._sessionmaker = sessionmaker
        self.job = job
        self.id = job.id
        self.counts: dict[str, dict[str, int]] = {}
        self._last_progress = 0.0

    async def _save(self, **values: Any) -> None:
        async with self._sessionmaker() as session, session.begin():
            await repository.update_job(session, self.id, heartbeat_at=utcnow(), **values)
        for name, value in values.items():
            setattr(self.job, name, value)

    async def progress(self, lines_read: int) -> None:
        """Lines (or values) read so far; committed at most every PROGRESS_INTERVAL seconds."""
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL:
            self._last_progress = now
            await self._save(lines_read=lines_read)
        else:
            self.job.lines_read = lines_read

    async def writing(self) -> None:
        """The input is read and checked: what follows writes it all in one transaction."""
        await self._save(phase=JobPhase.WRITING.value, lines_read=self.job.lines_read)

    def count(self, kind: str, change: str, n: int = 1) -> None:
        if change not in CHANGES:
            raise ValueError(f"a change is one of {CHANGES}, not {change!r}")
        counts = self.counts.setdefault(kind, dict.fromkeys(CHANGES, 0))
        counts[change] += n

    async def succeeded(self, message: str = "") -> None:
        await self._save(
            state=JobState.SUCCEEDED.value, finished_at=utcnow(), counts=self.counts, message=message, lines_read=self.job.lines_read
        )

    async def refused(self, errors: Sequence[dict[str, str]], error_count: int | None = None, message: str = "") -> None:
        listed = [{"pointer": e.get("pointer", "#"), "detail": e.get("detail", "")} for e in errors[:MAX_LISTED_ERRORS]]
        await self._save(
            state=JobState.REFUSED.value,
            finished_at=utcnow(),
            counts={},
            errors=listed,
            error_count=len(errors) if error_count is None else error_count,
            message=message,
            lines_read=self.job.lines_read,
        )

    async def failed(self, message: str) -> None:
        await self._save(state=JobState.FAILED.value, finished_at=utcnow(), counts={}, message=message[:2000])


async def start(
    sessionmaker: async_sessionmaker[AsyncSession],
    principal: Principal,
    *,
    kind: str,
    dry_run: bool = False,
    source: str = "",
    content_sha256: str | None = None,
) -> Run:
    """A new run, RUNNING and READING, committed at once so that it is seen while it runs."""
    job = Job(
        kind=kind,
        state=JobState.RUNNING.value,
        phase=JobPhase.READING.value,
        dry_run=dry_run,
        started_by=principal.user_id,
        source=source[:500],
        content_sha256=content_sha256,
        lines_read=0,
        counts={},
        errors=[],
        error_count=0,
        message="",
    )
    async with sessionmaker() as session, session.begin():
        session.add(job)
    return Run(sessionmaker, job)


@asynccontextmanager
async def recorded(run: Run, message: str = "") -> AsyncIterator[Run]:
    """SUCCEEDED when the block ends; REFUSED with the problem's errors on bad input or a broken
    rule; FAILED on anything else. The exception goes on to the caller."""
    try:
        yield run
    except (InvalidInput, RuleViolation) as exc:
        await run.refused(exc.errors or [{"pointer": "#", "detail": exc.detail}], message=exc.detail)
        raise
    except ProblemError as exc:
        await run.failed(exc.detail)
        raise
    except Exception as exc:
        await run.failed(f"{type(exc).__name__}: {exc}")
        raise
    await run.succeeded(message)


def state_of(job: Job, now: dt.datetime | None = None) -> JobState:
    if job.state == JobState.RUNNING.value and job.heartbeat_at < (now or utcnow()) - STALE_AFTER:
        return JobState.ABORTED
    return JobState(job.state)


def to_read(job: Job) -> JobRead:
    return JobRead(
        id=job.id,
        kind=job.kind,
        state=state_of(job),
        phase=JobPhase(job.phase),
        dry_run=job.dry_run,
        started_by=job.started_by,
        started_at=job.started_at,
        finished_at=job.finished_at,
        source=job.source,
        content_sha256=job.content_sha256,
        lines_read=job.lines_read,
        counts=job.counts,
        errors=job.errors,
        error_count=job.error_count,
        message=job.message,
    )


def sees_every_run(principal: Principal) -> bool:
    """The administrators and the council with the whole municipality see every run; others their own."""
    return Role.ADMIN in principal.roles or (Role.FULLMAKTIGE in principal.roles and principal.scope_of((Role.FULLMAKTIGE,)) is None)


async def get_readable(session: AsyncSession, principal: Principal, job_id: uuid.UUID) -> Job:
    job = await repository.get(session, job_id)
    # Another's run is answered as absent: its errors may name what the caller may not read.
    if job is None or not (sees_every_run(principal) or job.started_by == principal.user_id):
        raise NotFound(f"no job {job_id}")
    return job


async def list_page(
    session: AsyncSession,
    principal: Principal,
    *,
    kind: str | None,
    state: JobState | None,
    limit: int,
    before: tuple[dt.datetime, uuid.UUID] | None,
) -> Sequence[Job]:
    return await repository.list_page(
        session,
        started_by=None if sees_every_run(principal) else principal.user_id,
        kind=kind,
        states=None if state is None else [state.value],
        stale_before=utcnow() - STALE_AFTER,
        limit=limit,
        before=before,
    )


async def previous_success(session: AsyncSession, kind: str, content_sha256: str) -> Job | None:
    """The last run that imported this very content, if one did: the same file again changes nothing."""
    return await repository.previous_success(session, kind, content_sha256)

"""The scheduled Kolada sync: an in-process worker beside the app, on an interval, signed in as
the machine client `client:kolada-sync` (the audit trail and the job list name it). The sync's
lease (a row, taken with a conditional UPDATE) keeps two replicas from running at once: the one
that does not get it skips its turn. Off unless enabled, and without a Kolada address."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from goals_service.jobs.models import Job
from goals_service.kolada import service
from goals_service.kolada.client import KoladaClient
from goals_service.settings import GoalsSettings

log = structlog.get_logger("styrkedjan.goals.kolada.worker")


async def sync_once(sessionmaker: async_sessionmaker[AsyncSession], settings: GoalsSettings, client: KoladaClient) -> Job | None:
    """One pass: a sync as the machine client, recorded as a job; None when another replica holds
    the lease. A failed run is recorded as FAILED and waits for the next interval."""
    try:
        job = await service.sync(sessionmaker, service.SYNC_CLIENT, settings, client)
    except Exception as exc:  # Kolada away, say: the job says so; try again at the next interval
        log.warning("kolada_sync_failed", error=f"{type(exc).__name__}: {exc}"[:1000])
        return None
    if job is None:
        log.info("kolada_sync_skipped_lease_held")
    else:
        log.info("kolada_sync_done", job_id=str(job.id), message=job.message)
    return job


async def _run(sessionmaker: async_sessionmaker[AsyncSession], settings: GoalsSettings, client: KoladaClient, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await sync_once(sessionmaker, settings, client)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.kolada_sync_interval_seconds)


@asynccontextmanager
async def kolada_worker(app: Any, settings: GoalsSettings) -> AsyncIterator[None]:
    """Runs the scheduled sync beside the app while it is enabled and Kolada has an address. At
    shutdown a run under way is cancelled: nothing of it was written unless its one write
    transaction committed, and its lease runs out."""
    if not (settings.kolada_sync_enabled and settings.kolada_base_url):
        yield
        return
    stop = asyncio.Event()
    client = KoladaClient.from_settings(settings)
    task = asyncio.create_task(_run(app.state.sessionmaker, settings, client, stop), name="kolada-sync")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=5)
        except TimeoutError:
            log.warning("kolada_sync_stopped_mid_run")

"""The outbox's worker: sends what is due over SMTP, and once a day queues the reminders of what is due.

A message is claimed with a lease (`claimed_until`) in a short transaction of its own, so two
processes never send the same one; it is sent, and marked SENT in another short transaction at
once after the server accepted it. Only a crash between the two could send it again (after the
lease), and then with the same Message-ID. A failed attempt counts, and waits twice as long as
the one before (from the send interval, capped); after the last attempt the message is FAILED.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from followup_service.reminders import repository
from followup_service.reminders.due_reminders import queue_due_reminders
from followup_service.reminders.mailer import SmtpMailer, email_of
from followup_service.reminders.models import OutboxMessage
from followup_service.settings import FollowupSettings
from styrkedjan_common.db import utcnow
from styrkedjan_common.org_units import OrgUnitReplica

log = structlog.get_logger("styrkedjan.followup.outbox")

# What of an error is kept for the operators.
ERROR_LENGTH = 1000


class Connection(Protocol):
    async def send_message(self, message: Any) -> Any: ...


class Mailer(Protocol):
    sender: str

    def connection(self) -> contextlib.AbstractAsyncContextManager[Connection]: ...


def backoff(settings: FollowupSettings, attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: the send interval, doubled each time, capped."""
    seconds = settings.smtp_send_interval_seconds * 2 ** min(attempts - 1, 30)
    return dt.timedelta(seconds=min(seconds, settings.smtp_max_backoff_seconds))


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]


async def claim_due(sessionmaker: async_sessionmaker[AsyncSession], settings: FollowupSettings, now: dt.datetime) -> list[OutboxMessage]:
    """The due messages this worker now holds the lease on."""
    until = now + dt.timedelta(seconds=settings.smtp_lease_seconds)
    async with sessionmaker() as session, session.begin():
        candidates = await repository.claimable_ids(session, now, settings.smtp_batch_size)
        claimed = [message_id for message_id in candidates if await repository.claim(session, message_id, now, until)]
        return list(await repository.messages(session, claimed)) if claimed else []


async def _record_failure(
    sessionmaker: async_sessionmaker[AsyncSession], settings: FollowupSettings, message: OutboxMessage, exc: BaseException
) -> None:
    now = utcnow()
    attempts = message.attempts + 1
    give_up = attempts >= settings.smtp_max_attempts
    async with sessionmaker() as session, session.begin():
        await repository.mark_failed_attempt(
            session, message.id, now=now, error=_error_text(exc), next_attempt_at=now + backoff(settings, attempts), give_up=give_up
        )
    log.warning("outbox_send_failed", message_id=str(message.id), attempts=attempts, given_up=give_up, error=_error_text(exc))


async def _record_sent(sessionmaker: async_sessionmaker[AsyncSession], message: OutboxMessage) -> None:
    async with sessionmaker() as session, session.begin():
        await repository.mark_sent(session, message.id, utcnow())


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession], settings: FollowupSettings, mailer: Mailer, now: dt.datetime | None = None
) -> int:
    """One pass: claims the messages due by `now`, sends them over one connection, records each
    outcome at once. The number sent."""
    claimed = await claim_due(sessionmaker, settings, now or utcnow())
    if not claimed:
        return 0
    # The messages whose attempt is over: a message the server accepted counts as done even if
    # recording it fails, so it is never also recorded as a failure to retry.
    attempted: set[uuid.UUID] = set()
    sent = 0
    try:
        async with mailer.connection() as connection:
            for message in claimed:
                try:
                    await connection.send_message(email_of(message, mailer.sender))
                except Exception as exc:  # refused, or the connection lost: this message waits and is retried
                    attempted.add(message.id)
                    await _record_failure(sessionmaker, settings, message, exc)
                    continue
                attempted.add(message.id)
                await _record_sent(sessionmaker, message)
                sent += 1
    except Exception as exc:  # no connection (the server down): every claimed message not yet tried waits
        for message in claimed:
            if message.id not in attempted:
                await _record_failure(sessionmaker, settings, message, exc)
    return sent


async def _run(
    sessionmaker: async_sessionmaker[AsyncSession],
    org_units: OrgUnitReplica,
    settings: FollowupSettings,
    mailer: Mailer,
    stop: asyncio.Event,
) -> None:
    reminded_on: dt.date | None = None
    while not stop.is_set():
        try:
            today = utcnow().date()
            if reminded_on != today:
                # Every process does this once a day; the outbox's keys make the second one a no-op.
                await queue_due_reminders(sessionmaker, org_units, settings, today)
                reminded_on = today
            await deliver_due(sessionmaker, settings, mailer)
        except Exception as exc:  # the database away, say: try again at the next interval
            log.warning("outbox_worker_pass_failed", error=_error_text(exc))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.smtp_send_interval_seconds)


@asynccontextmanager
async def outbox_worker(app: Any, settings: FollowupSettings) -> AsyncIterator[None]:
    """Runs the worker beside the app while SMTP is configured; without it the outbox only fills.
    At shutdown the pass under way finishes first (each send is bounded by the SMTP timeout): a
    message the server accepted is recorded as sent, not left to be sent again after its lease."""
    if not settings.smtp_enabled:
        yield
        return
    stop = asyncio.Event()
    mailer = SmtpMailer(settings)
    task = asyncio.create_task(_run(app.state.sessionmaker, app.state.org_units, settings, mailer, stop), name="outbox-worker")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=settings.smtp_timeout_seconds * 2)
        except TimeoutError:  # wait_for cancelled it: the lease brings its messages back later
            log.warning("outbox_worker_stopped_mid_pass")

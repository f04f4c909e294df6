"""Every query of the reminders: recipients, and the outbox as the worker and its operators use it."""

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.reminders.models import OutboxMessage, OutboxStatus, ReminderRecipient

# --- recipients --------------------------------------------------------------------------------


async def find_recipient(session: AsyncSession, recipient_id: uuid.UUID) -> ReminderRecipient | None:
    return await session.get(ReminderRecipient, recipient_id)


async def recipient_exists(session: AsyncSession, org_unit_id: uuid.UUID, email: str) -> bool:
    found = await session.scalar(
        select(ReminderRecipient.id).where(
            ReminderRecipient.org_unit_id == org_unit_id, func.lower(ReminderRecipient.email) == email.lower()
        )
    )
    return found is not None


async def list_recipients(
    session: AsyncSession,
    *,
    org_unit_id: uuid.UUID | None,
    units: frozenset[uuid.UUID] | None,
    limit: int,
    after: tuple[dt.datetime, uuid.UUID] | None,
) -> Sequence[ReminderRecipient]:
    """Recipients by address, then id; `units` None is every org unit."""
    query = select(ReminderRecipient)
    if org_unit_id is not None:
        query = query.where(ReminderRecipient.org_unit_id == org_unit_id)
    if units is not None:
        query = query.where(ReminderRecipient.org_unit_id.in_(units))
    if after is not None:
        at, last_id = after
        query = query.where(or_(ReminderRecipient.created_at > at, (ReminderRecipient.created_at == at) & (ReminderRecipient.id > last_id)))
    return (await session.scalars(query.order_by(ReminderRecipient.created_at, ReminderRecipient.id).limit(limit))).all()


# --- the worker ---------------------------------------------------------------------------------


async def claimable_ids(session: AsyncSession, now: dt.datetime, limit: int) -> list[uuid.UUID]:
    """Messages due to be sent that no worker holds, oldest due first."""
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Another worker's claim in progress is passed over, not waited for.
        query = query.with_for_update(skip_locked=True)
    return list((await session.scalars(query)).all())


async def claim(session: AsyncSession, message_id: uuid.UUID, now: dt.datetime, until: dt.datetime) -> bool:
    """Takes the lease on one message unless another worker took it first: the condition is checked
    again by the UPDATE itself (on PostgreSQL after any lock it waited for), so of two workers one wins."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def messages(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[OutboxMessage]:
    return (await session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.next_attempt_at))).all()


async def mark_sent(session: AsyncSession, message_id: uuid.UUID, now: dt.datetime) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status=OutboxStatus.SENT.value,
            sent_at=now,
            last_attempt_at=now,
            attempts=OutboxMessage.attempts + 1,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )


async def mark_failed_attempt(
    session: AsyncSession, message_id: uuid.UUID, *, now: dt.datetime, error: str, next_attempt_at: dt.datetime, give_up: bool
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING.value)
        .values(
            status=OutboxStatus.FAILED.value if give_up else OutboxStatus.PENDING.value,
            attempts=OutboxMessage.attempts + 1,
            last_attempt_at=now,
            last_error=error,
            next_attempt_at=next_attempt_at,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )


# --- the operators' view ------------------------------------------------------------------------


async def counts_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(OutboxMessage.status, func.count().label("messages")).group_by(OutboxMessage.status))
    return {row.status: row.messages for row in rows}


async def oldest_pending_at(session: AsyncSession) -> dt.datetime | None:
    return await session.scalar(select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OutboxStatus.PENDING.value))


async def latest_failures(session: AsyncSession, limit: int) -> Sequence[OutboxMessage]:
    """The messages whose last attempt failed, the most recent attempt first."""
    return (
        await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.last_error != "", OutboxMessage.status != OutboxStatus.SENT.value)
            .order_by(OutboxMessage.last_attempt_at.desc(), OutboxMessage.id)
            .limit(limit)
        )
    ).all()

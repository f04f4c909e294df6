"""The e-mail outbox: a notice is written in the same transaction as the change it tells of.

`notify` queues one message per recipient of the org unit's reminders. An org unit without
recipients of its own is covered by its nearest ancestor that has some (a unit by its
administration, say), so a notice is not lost because a small unit named nobody. The same event
(`key`) is queued once per recipient however often it is told: the insert skips a (key,
recipient) already queued, on SQLite and PostgreSQL alike, so a repeated notice never fails the
caller's transaction.
"""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.db import ReplicatedOrgUnit
from followup_service.reminders.models import OutboxMessage, OutboxStatus, ReminderRecipient
from styrkedjan_common.db import new_id, utcnow

KEY_LENGTH = 300
SUBJECT_LENGTH = 300
# The directory's tree is shallow (council → board → administration → area → unit); the bound
# only guards against a cycle in a replica caught mid-reorganisation.
MAX_ANCESTORS = 12


def stored_key(key: str) -> str:
    """The key as the column holds it: a longer key keeps its start and a hash of the whole."""
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: KEY_LENGTH - len(digest) - 1]}#{digest}"


def one_line(text: str) -> str:
    """A subject becomes a mail header: a line break in it would end the header (or start another)."""
    return " ".join(text.split())


async def recipients_of(session: AsyncSession, org_unit_id: uuid.UUID) -> list[str]:
    """The addresses of the org unit's reminders, or of its nearest ancestor that has some."""
    unit_id: uuid.UUID | None = org_unit_id
    seen: set[uuid.UUID] = set()
    while unit_id is not None and unit_id not in seen and len(seen) < MAX_ANCESTORS:
        seen.add(unit_id)
        emails = (
            await session.scalars(
                select(ReminderRecipient.email).where(ReminderRecipient.org_unit_id == unit_id).order_by(ReminderRecipient.email)
            )
        ).all()
        if emails:
            return list(emails)
        unit_id = await session.scalar(select(ReplicatedOrgUnit.parent_id).where(ReplicatedOrgUnit.id == unit_id))
    return []


async def notify(session: AsyncSession, *, org_unit_id: uuid.UUID, key: str, subject: str, body: str) -> None:
    """Queues the message for each recipient of the org unit's reminders; `key` names the event,
    so the same event never queues a message twice."""
    emails = await recipients_of(session, org_unit_id)
    if not emails:
        return
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "key": stored_key(key),
            "recipient": email,
            "subject": one_line(subject)[:SUBJECT_LENGTH],
            "body": body,
            "created_at": now,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
        }
        for email in emails
    ]
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(OutboxMessage).values(rows).on_conflict_do_nothing(index_elements=["key", "recipient"]))

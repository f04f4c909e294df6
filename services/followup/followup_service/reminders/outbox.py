"""The e-mail outbox: a notice is written in the same transaction as the change it tells of."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession


async def notify(session: AsyncSession, *, org_unit_id: uuid.UUID, key: str, subject: str, body: str) -> None:
    """Queues the message for each recipient of the org unit's reminders; `key` names the event,
    so the same event never queues a message twice."""

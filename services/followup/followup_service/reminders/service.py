"""Who receives an org unit's reminders, and the outbox as its operators see it."""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.db import auditor
from followup_service.reminders import repository
from followup_service.reminders.models import OutboxStatus, ReminderRecipient
from followup_service.reminders.schemas import OutboxFailure, OutboxState, RecipientCreate, RecipientRead
from followup_service.settings import FollowupSettings
from styrkedjan_common.db import utcnow
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import OrgUnitReplica
from styrkedjan_common.problems import NotFound, RuleViolation
from styrkedjan_common.scope import ensure_can_write

ENTITY = "reminder_recipient"
# The executive board's office and the system's administrators name who is reminded.
MANAGERS = (Role.ADMIN, Role.FULLMAKTIGE)
OPERATORS = (Role.ADMIN,)


def audit_snapshot(recipient: ReminderRecipient) -> dict[str, Any]:
    return {"org_unit_id": str(recipient.org_unit_id), "email": recipient.email, "name": recipient.name}


def to_read(org_units: OrgUnitReplica, recipient: ReminderRecipient) -> RecipientRead:
    return org_units.with_names(RecipientRead.model_validate(recipient))


async def list_recipients(
    session: AsyncSession,
    *,
    org_unit_id: uuid.UUID | None,
    units: frozenset[uuid.UUID] | None,
    limit: int,
    after: tuple[dt.datetime, uuid.UUID] | None,
) -> Sequence[ReminderRecipient]:
    return await repository.list_recipients(session, org_unit_id=org_unit_id, units=units, limit=limit, after=after)


async def get_recipient(session: AsyncSession, recipient_id: uuid.UUID) -> ReminderRecipient:
    recipient = await repository.find_recipient(session, recipient_id)
    if recipient is None:
        raise NotFound(f"no reminder recipient {recipient_id}")
    return recipient


def ensure_manages(principal: Principal, org_unit_id: uuid.UUID) -> None:
    ensure_can_write(principal, org_unit_id, MANAGERS, "a reminder recipient")


async def _ensure_not_already_receiving(session: AsyncSession, data: RecipientCreate) -> None:
    if await repository.recipient_exists(session, data.org_unit_id, data.email):
        raise RuleViolation(f"{data.email} already receives the reminders of org unit {data.org_unit_id}")


async def add_recipient(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: RecipientCreate) -> ReminderRecipient:
    ensure_manages(principal, data.org_unit_id)
    await org_units.require(data.org_unit_id, pointer="#/org_unit_id", on=utcnow().date())
    await _ensure_not_already_receiving(session, data)
    recipient = ReminderRecipient(
        org_unit_id=data.org_unit_id, email=data.email, name=data.name, created_by=principal.user_id, updated_by=principal.user_id
    )
    session.add(recipient)
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, recipient.id, after=audit_snapshot(recipient))
    return recipient


async def remove_recipient(session: AsyncSession, principal: Principal, recipient: ReminderRecipient) -> None:
    ensure_manages(principal, recipient.org_unit_id)
    before = audit_snapshot(recipient)
    await session.delete(recipient)
    await session.flush()
    auditor.record(session, principal, "DELETE", ENTITY, recipient.id, before=before)


async def outbox_state(session: AsyncSession, settings: FollowupSettings, failures: int) -> OutboxState:
    counts = await repository.counts_by_status(session)
    return OutboxState(
        smtp_enabled=settings.smtp_enabled,
        counts={status: counts.get(status.value, 0) for status in OutboxStatus},
        oldest_pending_at=await repository.oldest_pending_at(session),
        latest_failures=[OutboxFailure.model_validate(m) for m in await repository.latest_failures(session, failures)],
    )

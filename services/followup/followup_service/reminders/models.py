"""The mapped tables of the reminders: who receives an org unit's reminders, and the e-mail
outbox written in the same transaction as the change it tells of."""

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followup_service.db import FollowupBase
from styrkedjan_common.db import Tracked, UTCDateTime, new_id, utcnow


class ReminderRecipient(FollowupBase, Tracked):
    """An address that receives the reminders and notices of an org unit's follow-up."""

    __tablename__ = "reminder_recipient"
    __table_args__ = (UniqueConstraint("org_unit_id", "email", name="uq_reminder_recipient_unit_email"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")


class OutboxStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class OutboxMessage(FollowupBase):
    """An e-mail to send. `key` names what it tells of; with the recipient it is unique, so the
    same reminder is never written twice to one address; the worker claims a message (a lease
    until `claimed_until`), sends it and marks it sent."""

    __tablename__ = "outbox_message"
    __table_args__ = (UniqueConstraint("key", "recipient", name="uq_outbox_message_key_recipient"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(300))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # PENDING → SENT, or FAILED once the attempts are spent.
    status: Mapped[str] = mapped_column(String(20), default="PENDING", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A worker's lease on the message while it sends it: no other worker claims it before then.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")

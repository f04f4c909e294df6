"""What the reminders' operations read and write."""

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from followup_service.reminders.models import OutboxStatus
from styrkedjan_common.org_units import UnitName
from styrkedjan_common.schemas import InputModel

# An address an SMTP server takes without extensions: an ASCII local part of the characters
# RFC 5322 allows unquoted, and a domain of dot-separated labels. No spaces, commas, quotes or
# line breaks: the address becomes the To header of a message.
EMAIL_PATTERN = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def _lower_domain(email: str) -> str:
    local, _, domain = email.rpartition("@")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValueError("the part before @ must not begin or end with a dot, nor hold two in a row")
    return f"{local}@{domain.lower()}"


Email = Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN, examples=["controller@kommun.example"]), AfterValidator(_lower_domain)]


class RecipientCreate(InputModel):
    org_unit_id: uuid.UUID = Field(description="The org unit whose reminders and notices the address receives")
    email: Email
    name: str = Field(default="", max_length=200, examples=["Controller, barn- och utbildningsförvaltningen"])


class RecipientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_unit_id: uuid.UUID
    org_unit: UnitName = None
    email: str
    name: str
    created_at: dt.datetime
    created_by: str


class OutboxFailure(BaseModel):
    """A message whose last attempt failed: still retried (PENDING) or given up (FAILED). The
    body is left out: the operator needs what failed and why, not what it said."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    recipient: str
    subject: str
    status: OutboxStatus
    attempts: int
    last_attempt_at: dt.datetime | None
    next_attempt_at: dt.datetime
    last_error: str


class OutboxState(BaseModel):
    smtp_enabled: bool = Field(description="Whether this process sends the outbox (FOLLOWUP_SMTP_HOST set)")
    counts: dict[OutboxStatus, int] = Field(description="Messages by status")
    oldest_pending_at: dt.datetime | None = Field(description="When the oldest message still to send was queued")
    latest_failures: list[OutboxFailure]

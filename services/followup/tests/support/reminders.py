"""The org units, recipients and outbox helpers the reminder, outbox and due tests share."""

import datetime as dt
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from sqlalchemy import func, select

from followup_service.cycle.models import CycleStep, Occasion
from followup_service.db import AuditEvent
from followup_service.dialogues.models import Dialogue
from followup_service.reminders.models import OutboxMessage, ReminderRecipient
from followup_service.reports.models import Report
from followup_service.settings import FollowupSettings
from styrkedjan_common.db import utcnow
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import closed_port, org_unit

API = "/api/followup/v1"
COUNCIL = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige (påminnelser)")
BOARD = org_unit(OrgUnitType.BOARD, "Barn- och utbildningsnämnden", parent=COUNCIL)
OTHER_BOARD = org_unit(OrgUnitType.BOARD, "Kultur- och fritidsnämnden", parent=COUNCIL)
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION, "Barn- och utbildningsförvaltningen", parent=BOARD)
UNIT = org_unit(OrgUnitType.UNIT, "Fagersta skola", parent=ADMINISTRATION)
OTHER_UNIT = org_unit(OrgUnitType.UNIT, "Kolbäcks skola", parent=ADMINISTRATION)


async def restore_replica(app: Any) -> None:
    """Stores the directory's units again, as a process starting anew would: the suite empties every
    table between tests, the replica's too, and the outbox follows an org unit to its ancestors there."""
    replica = app.state.org_units
    replica.position = 0
    assert await replica.sync()


async def add_recipient(app: Any, org_unit_id: str, email: str, name: str = "") -> uuid.UUID:
    recipient = ReminderRecipient(org_unit_id=uuid.UUID(org_unit_id), email=email, name=name, created_by="test", updated_by="test")
    async with app.state.sessionmaker() as session, session.begin():
        session.add(recipient)
    return recipient.id


async def outbox(app: Any) -> list[OutboxMessage]:
    """Every queued message, oldest first."""
    async with app.state.sessionmaker() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.recipient))).all())


async def stored(app: Any) -> dict[str, int]:
    """How many recipients, messages and audit events are stored: a refusal changes none."""
    async with app.state.sessionmaker() as session:
        return {
            name: await session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in (("recipients", ReminderRecipient), ("messages", OutboxMessage), ("audit", AuditEvent))
        }


class Inbox:
    """A real SMTP server (aiosmtpd) on a local port that keeps what it is given. It can be
    stopped and started again on the same port: a server that is down, then back."""

    def __init__(self) -> None:
        self.port = closed_port()
        self.received: list[Envelope] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.received.append(envelope)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(bytes(e.original_content or b""), policy=policy.default) for e in self.received]  # type: ignore[misc]

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages()]


def smtp_settings(app: Any, inbox: Inbox, **changes: Any) -> FollowupSettings:
    """The suite's settings with SMTP pointed at the inbox (plain, no STARTTLS: a local test server)."""
    settings: FollowupSettings = app.state.settings
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": inbox.port, "smtp_starttls": False, "smtp_from": "styrkedjan@kommun.example"}
    return settings.model_copy(update=smtp | changes)


# --- what is due: occasions, reports, dialogues and cycle steps stored as their parts store them ---

CLOSED_BEFORE = org_unit(
    OrgUnitType.UNIT, "Nedlagd fritidsgård", parent=ADMINISTRATION, valid_from=dt.date(2000, 1, 1), valid_to=dt.date(2001, 1, 1)
)


async def add_occasion_due(app: Any, kind: str, *, unit_in: int, period_end_ago: int = 60) -> Occasion:
    """An occasion of this year whose unit deadline is `unit_in` days from today (negative: passed);
    each level above has its deadline five days after the one below, the council's twenty."""
    today = utcnow().date()
    unit_deadline = today + dt.timedelta(days=unit_in)
    occasion = Occasion(
        year=today.year,
        kind=kind,
        period_end=today - dt.timedelta(days=period_end_ago),
        statutory=kind == "INTERIM",
        unit_deadline=unit_deadline,
        administration_deadline=unit_deadline + dt.timedelta(days=5),
        board_deadline=unit_deadline + dt.timedelta(days=10),
        executive_board_deadline=unit_deadline + dt.timedelta(days=15),
        council_deadline=unit_deadline + dt.timedelta(days=20),
        headings=[],
        created_by="test",
        updated_by="test",
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(occasion)
    return occasion


async def add_report(
    app: Any, occasion: Occasion, unit: str, level: str, status: str, *, revision: int = 1, returned_comment: str | None = None
) -> uuid.UUID:
    report = Report(
        occasion_id=occasion.id,
        year=occasion.year,
        occasion=occasion.kind,
        org_unit_id=uuid.UUID(unit),
        level=level,
        status=status,
        revision=revision,
        returned_comment=returned_comment,
        created_by="test",
        updated_by="test",
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(report)
    return report.id


async def add_dialogue(
    app: Any, unit: str, title: str, *, planned_in: int, status: str = "PLANNED", held_ago: int | None = None
) -> uuid.UUID:
    today = utcnow().date()
    dialogue = Dialogue(
        year=today.year,
        kind="FOLLOWUP",
        org_unit_id=uuid.UUID(unit),
        title=title,
        planned_date=today + dt.timedelta(days=planned_in),
        held_date=None if held_ago is None else today - dt.timedelta(days=held_ago),
        status=status,
        created_by="test",
        updated_by="test",
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(dialogue)
    return dialogue.id


async def add_step(
    app: Any, number: int, name: str, level: str, *, started_ago: int, ends_in: int, status: str = "PLANNED", conditional: bool = False
) -> uuid.UUID:
    today = utcnow().date()
    step = CycleStep(
        year=today.year,
        number=number,
        name_sv=name,
        responsible_level=level,
        conditional=conditional,
        planned_start=today - dt.timedelta(days=started_ago),
        planned_end=today + dt.timedelta(days=ends_in),
        status=status,
        created_by="test",
        updated_by="test",
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(step)
    return step.id

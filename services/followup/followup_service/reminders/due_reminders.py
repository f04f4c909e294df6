"""Reminders of what is due: once a day every org unit's recipients are told of its reports and
dialogues whose deadline is near, and once more when it has passed. The outbox key names the
report (or the org unit, before a report exists), the occasion, the deadline, what is due and
whether it is late, so each reminder is queued once however often the step runs."""

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from followup_service.due.service import Due, DueKind, Everyone, due_items
from followup_service.reminders.outbox import notify
from followup_service.settings import FollowupSettings
from styrkedjan_common.org_units import OrgUnitReplica

# The cycle's steps are followed on GET /due; the reminders are for what an org unit has to do.
REMINDED = frozenset(DueKind) - {DueKind.CYCLE_STEP}


def reminder_key(item: Due) -> str:
    phase = "late" if item.late else "upcoming"
    about = item.subject_id if item.kind in (DueKind.HOLD_DIALOGUE, DueKind.EVALUATE_DIALOGUE) else item.subject_id or item.org_unit_id
    return f"due:{item.kind.value}:{about}:{item.occasion_id or '-'}:{item.deadline.isoformat()}:{phase}"


def _subject(item: Due, unit_name: str) -> str:
    when = f"late since {item.deadline.isoformat()}" if item.late else f"due {item.deadline.isoformat()}"
    return f"{unit_name}: {item.what} ({when})"


def _body(item: Due, unit_name: str) -> str:
    state = "The deadline has passed." if item.late else f"The deadline is {item.deadline.isoformat()}."
    return f"{unit_name}\n\n{item.what}\n{state}\n\nIn Styrkedjan: {item.link}\n"


async def queue_due_reminders(
    sessionmaker: async_sessionmaker[AsyncSession], org_units: OrgUnitReplica, settings: FollowupSettings, today: dt.date
) -> int:
    """Queues the reminders of what is due within settings.reminder_days_ahead or late; how many items were told."""
    async with sessionmaker() as session, session.begin():
        items = [i for i in await due_items(session, org_units, Everyone(), today, settings.reminder_days_ahead) if i.kind in REMINDED]
        for item in items:
            if item.org_unit_id is None:
                continue
            name = org_units.name_of(item.org_unit_id)
            unit_name = name.name if name else str(item.org_unit_id)
            await notify(
                session,
                org_unit_id=item.org_unit_id,
                key=reminder_key(item),
                subject=_subject(item, unit_name),
                body=_body(item, unit_name),
            )
    return len(items)

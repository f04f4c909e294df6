"""The dialogues as a report shows them: those held for its occasion, and the follow-ups agreed
in earlier dialogues that are still open. The answers go into frozen documents, so they hold only
JSON values, in a stable order."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.dialogues import repository
from followup_service.dialogues.models import Dialogue, DialogueFollowup

# A cancelled dialogue did not take place: the report does not show it.
SHOWN = ("PLANNED", "HELD", "EVALUATED")


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def followup_as_shown(followup: DialogueFollowup) -> dict[str, Any]:
    return {
        "id": str(followup.id),
        "dialogue_id": str(followup.dialogue_id),
        "org_unit_id": str(followup.org_unit_id),
        "text": followup.text,
        "owner": followup.owner,
        "due_date": _date(followup.due_date),
        "done_on": _date(followup.done_on),
        "done_comment": followup.done_comment,
    }


def dialogue_as_shown(dialogue: Dialogue, followups: list[DialogueFollowup]) -> dict[str, Any]:
    """What the report says of a dialogue: its plan, whether and when it was held, the shared
    analysis and priorities (summary), the evaluation and the follow-ups agreed. Its notes stay
    with the dialogue."""
    return {
        "id": str(dialogue.id),
        "kind": dialogue.kind,
        "title": dialogue.title,
        "status": dialogue.status,
        "held": dialogue.status in repository.TOOK_PLACE,
        "planned_date": _date(dialogue.planned_date),
        "held_date": _date(dialogue.held_date),
        "cycle_step_number": dialogue.cycle_step_number,
        "participants": [dict(p) for p in dialogue.participants],
        "themes": list(dialogue.themes),
        "questions": list(dialogue.questions),
        "summary": dialogue.summary,
        "evaluation": dialogue.evaluation,
        "followups": [followup_as_shown(f) for f in followups],
    }


async def dialogues_of_occasion(session: AsyncSession, occasion_id: uuid.UUID, org_unit_id: uuid.UUID) -> list[dict[str, Any]]:
    """The org unit's dialogues planned for the occasion, each as the report shows it (JSON-able):
    planned, held or evaluated ones in date order; `held` is true for those that took place."""
    dialogues = await repository.dialogues_of_occasion(session, occasion_id, org_unit_id, SHOWN)
    followups = await repository.followups_of(session, [d.id for d in dialogues])
    by_dialogue: dict[uuid.UUID, list[DialogueFollowup]] = {}
    for followup in followups:
        by_dialogue.setdefault(followup.dialogue_id, []).append(followup)
    return [dialogue_as_shown(d, by_dialogue.get(d.id, [])) for d in dialogues]


async def open_followups(session: AsyncSession, org_unit_ids: Collection[uuid.UUID], as_of: dt.date) -> list[dict[str, Any]]:
    """Follow-ups agreed in dialogues of these org units that were not done on `as_of` (JSON-able):
    those of dialogues held by `as_of` and not marked done by then, by due date, each with the
    dialogue it was agreed in."""
    rows = await repository.open_followups(session, list(org_unit_ids), as_of)
    return [
        followup_as_shown(followup)
        | {"dialogue_title": dialogue.title, "dialogue_held_date": _date(dialogue.held_date), "overdue": followup.due_date < as_of}
        for followup, dialogue in rows
    ]

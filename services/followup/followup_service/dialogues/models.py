"""The mapped tables of the dialogues (uppföljningsdialoger, planerings- och budgetdialoger) and
the follow-ups agreed in them."""

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from followup_service.db import FollowupBase
from styrkedjan_common.db import JSONType, Tracked, new_id


class Dialogue(FollowupBase, Tracked):
    """A dialogue between a deciding level and its operation: planned with its themes and
    questions, held with participants of both sides and notes, then evaluated."""

    __tablename__ = "dialogue"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    occasion_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("occasion.id"), index=True)
    cycle_step_number: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    planned_date: Mapped[dt.date] = mapped_column(Date)
    held_date: Mapped[dt.date | None] = mapped_column(Date)
    # PLANNED → HELD → EVALUATED, or CANCELLED with a reason.
    status: Mapped[str] = mapped_column(String(20), default="PLANNED", index=True)
    participants: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    themes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    questions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    basis_report_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    evaluation: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")


class DialogueFollowup(FollowupBase, Tracked):
    """Something agreed in a dialogue to follow up, with its owner and due date: not a decision.
    It appears in the org unit's next report until it is done."""

    __tablename__ = "dialogue_followup"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    dialogue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    done_comment: Mapped[str] = mapped_column(Text, default="")

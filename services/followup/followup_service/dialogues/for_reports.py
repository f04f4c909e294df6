"""The dialogues as a report shows them: those held for its occasion, and the follow-ups agreed
in earlier dialogues that are still open."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def dialogues_of_occasion(session: AsyncSession, occasion_id: uuid.UUID, org_unit_id: uuid.UUID) -> list[dict[str, Any]]:
    """The org unit's dialogues planned for the occasion, each as the report shows it (JSON-able)."""
    return []


async def open_followups(session: AsyncSession, org_unit_ids: Collection[uuid.UUID], as_of: dt.date) -> list[dict[str, Any]]:
    """Follow-ups agreed in dialogues of these org units that were not done on `as_of` (JSON-able)."""
    return []

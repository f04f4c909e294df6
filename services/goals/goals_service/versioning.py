"""The decision lifecycle applied to a mapped object with `Decided` and `Tracked` columns:
status transitions with the decision recorded, and the audit event of each step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.db import auditor
from styrkedjan_common.identity import Principal
from styrkedjan_common.lifecycle import Decided, Decision, Status, Transition, archive_superseded, ensure_editable, next_status
from styrkedjan_common.problems import InvalidInput

T = TypeVar("T", bound=Decided)


async def apply_transition(
    session: AsyncSession,
    principal: Principal,
    obj: T,
    step: Transition,
    decision: Decision | None,
    *,
    entity: str,
    snapshot: Callable[[Any], dict[str, Any]],
    superseded: Decided | None = None,
) -> T:
    """Moves `obj` one step; deciding records the decision and archives `superseded`, the
    revision it replaces, in the same transaction."""
    before = snapshot(obj)
    target = next_status(Status(obj.status), step)
    if step == Transition.DECIDE:
        if decision is None:
            raise InvalidInput("a decision needs its body, date and reference", errors=[{"pointer": "#/", "detail": "decision required"}])
        obj.record_decision(decision)
        await archive_superseded(session, auditor, principal, superseded, entity=entity, snapshot=snapshot)
    obj.status = target.value
    obj.updated_by = principal.user_id  # type: ignore[attr-defined]
    await session.flush()
    auditor.record(session, principal, step.value, entity, obj.id, before=before, after=snapshot(obj))  # type: ignore[attr-defined]
    return obj


def ensure_draft(obj: Decided) -> None:
    """Edits only on a draft: a decided version is immutable, a proposal goes back to draft first."""
    ensure_editable(Status(obj.status))

"""The goal-assessment scale (måluppfyllelse; reference.md §2.4, §4.4): the levels a goal is
assessed on at a follow-up, best first, each with its colour. The default is the traffic light
with "ej bedömt" beside it: uppfyllt (green), delvis uppfyllt (yellow), ej uppfyllt (red), ej
bedömt (grey, no assessment: it needs a reason when used).

A municipality replaces the whole scale at once (admin or fullmaktige). Rules: 2–7 levels with
unique codes and #rrggbb colours; at least one level is an assessment and at most one is not
(the single "ej bedömt" a report names its reason for); a level some goal assessment uses
stays, with its meaning (assessed or not), for the reports that used it."""

import hashlib
import json
from dataclasses import asdict, dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.db import auditor
from followup_service.scale import repository
from followup_service.scale.audit import ASSESSMENT_SCALE, SCALE_ID
from followup_service.scale.models import AssessmentLevel
from followup_service.scale.schemas import ScaleLevelRead, ScaleRead, ScaleWrite
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.problems import InvalidInput, RuleViolation

EDITORS = (Role.ADMIN, Role.FULLMAKTIGE)
MAX_NOT_ASSESSED = 1


@dataclass(frozen=True)
class ScaleLevel:
    code: str
    label_sv: str
    label_en: str
    colour: str
    position: int
    assessed: bool


DEFAULT_SCALE: tuple[ScaleLevel, ...] = (
    ScaleLevel("UPPFYLLT", "Uppfyllt", "Fulfilled", "#2e7d32", 0, True),
    ScaleLevel("DELVIS_UPPFYLLT", "Delvis uppfyllt", "Partly fulfilled", "#f9a825", 1, True),
    ScaleLevel("EJ_UPPFYLLT", "Ej uppfyllt", "Not fulfilled", "#c62828", 2, True),
    ScaleLevel("EJ_BEDOMT", "Ej bedömt", "Not assessed", "#9e9e9e", 3, False),
)


def _level_of(row: AssessmentLevel) -> ScaleLevel:
    return ScaleLevel(row.code, row.label_sv, row.label_en, row.colour, row.position, row.assessed)


async def current_scale(session: AsyncSession) -> list[ScaleLevel]:
    """The scale in force, best level first: the stored one, or the default while none is
    stored. Reads only (GET sessions are read-only)."""
    rows = await repository.stored_levels(session)
    return [_level_of(row) for row in rows] if rows else list(DEFAULT_SCALE)


def scale_etag(levels: list[ScaleLevel]) -> str:
    """The scale's version as its content: any change of any level moves it."""
    digest = hashlib.sha256(json.dumps([asdict(level) for level in levels], sort_keys=True).encode()).hexdigest()
    return f'"scale.{digest[:32]}"'


async def read_scale(session: AsyncSession) -> tuple[ScaleRead, str]:
    rows = await repository.stored_levels(session)
    levels = [_level_of(row) for row in rows] if rows else list(DEFAULT_SCALE)
    read = ScaleRead(levels=[ScaleLevelRead(**asdict(level)) for level in levels], default=not rows)
    return read, scale_etag(levels)


def _ensure_unique_codes(data: ScaleWrite) -> None:
    seen: set[str] = set()
    for index, level in enumerate(data.levels):
        if level.code in seen:
            raise InvalidInput(
                f"level code {level.code} appears twice: each level of the scale has its own code",
                errors=[{"pointer": f"#/levels/{index}/code", "detail": "duplicate code"}],
            )
        seen.add(level.code)


def _ensure_assessments_on_scale(data: ScaleWrite) -> None:
    not_assessed = [level.code for level in data.levels if not level.assessed]
    if len(not_assessed) == len(data.levels):
        raise RuleViolation("the scale needs at least one level that is an assessment (assessed: true)")
    if len(not_assessed) > MAX_NOT_ASSESSED:
        raise RuleViolation(
            f"the scale holds at most {MAX_NOT_ASSESSED} level that is no assessment (ej bedömt), not {len(not_assessed)}: "
            f"{', '.join(not_assessed)}"
        )


async def _ensure_used_levels_kept(session: AsyncSession, current: list[ScaleLevel], data: ScaleWrite) -> None:
    """Reports assessed goals on these levels: the levels stay, and keep their meaning."""
    new = {level.code: level for level in data.levels}
    removed = [level.code for level in current if level.code not in new]
    used_removed = await repository.codes_in_use(session, removed)
    if used_removed:
        raise RuleViolation(f"level {', '.join(used_removed)} is used by goal assessments and cannot be removed from the scale")
    flipped = [level.code for level in current if level.code in new and new[level.code].assessed != level.assessed]
    used_flipped = await repository.codes_in_use(session, flipped)
    if used_flipped:
        raise RuleViolation(
            f"level {', '.join(used_flipped)} is used by goal assessments: whether it is an assessment (assessed) cannot change"
        )


async def replace_scale(session: AsyncSession, principal: Principal, data: ScaleWrite) -> None:
    _ensure_unique_codes(data)
    _ensure_assessments_on_scale(data)
    current = await current_scale(session)
    await _ensure_used_levels_kept(session, current, data)
    wanted = [
        ScaleLevel(level.code, level.label_sv, level.label_en, level.colour.lower(), position, level.assessed)
        for position, level in enumerate(data.levels)
    ]
    if wanted == current:
        return  # nothing changes: no audit event
    rows = {row.code: row for row in await repository.stored_levels(session)}
    for code, row in rows.items():
        if code not in {level.code for level in wanted}:
            await session.delete(row)
    for level in wanted:
        stored = rows.get(level.code)
        if stored is None:
            session.add(AssessmentLevel(**asdict(level), created_by=principal.user_id, updated_by=principal.user_id))
        elif _level_of(stored) != level:
            for name, value in asdict(level).items():
                setattr(stored, name, value)
            stored.updated_by = principal.user_id
    await session.flush()
    auditor.record(
        session,
        principal,
        "UPDATE",
        ASSESSMENT_SCALE,
        SCALE_ID,
        before={"levels": [asdict(level) for level in current]},
        after={"levels": [asdict(level) for level in wanted]},
    )

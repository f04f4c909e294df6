"""The situation analyses' rules (seed: "Bilagor", step 1 of the annual cycle): from October each
board and administration maps its current state and expected development (nulägeskarta), and a
municipality-wide environment analysis (omvärldsanalys) is made; both rest on reliable, documented
sources and are input to the planning assumptions (step 3) of the year they prepare.

Current-state maps are written by namnd and forvaltning for their board or administration, the
environment analysis by fullmaktige for the council's org unit. A completed analysis is read by
every domain role; drafts in scope and by the auditors."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.analyses import repository
from followup_service.analyses.models import SituationAnalysis
from followup_service.analyses.schemas import (
    AnalysisCreate,
    AnalysisKind,
    AnalysisRead,
    AnalysisStatus,
    AnalysisUpdate,
    FedStep,
    Section,
)
from followup_service.cycle.models import CycleStep
from followup_service.db import auditor
from styrkedjan_common.db import lock_for_rule
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import BOARD_LEVEL, OrgUnitReplica, OrgUnitType
from styrkedjan_common.problems import NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import can_read_unpublished, ensure_can_write

ENTITY = "situation_analysis"
READERS = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR)
WRITERS = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING)
# The planning step an analysis is input to: planeringsförutsättningar (reference §4.1, step 3).
PLANNING_STEP = 3
# Who writes each kind, and for which org units.
WRITERS_OF = {AnalysisKind.CURRENT_STATE_MAP: (Role.NAMND, Role.FORVALTNING), AnalysisKind.ENVIRONMENT_ANALYSIS: (Role.FULLMAKTIGE,)}
UNIT_TYPES = {
    AnalysisKind.CURRENT_STATE_MAP: frozenset(BOARD_LEVEL | {OrgUnitType.ADMINISTRATION}),
    AnalysisKind.ENVIRONMENT_ANALYSIS: frozenset({OrgUnitType.COUNCIL}),
}
WHAT = {AnalysisKind.CURRENT_STATE_MAP: "a current-state map", AnalysisKind.ENVIRONMENT_ANALYSIS: "the environment analysis"}


# --- reading and writing rights --------------------------------------------------------------


def ensure_writer(principal: Principal, kind: AnalysisKind, org_unit_id: uuid.UUID) -> None:
    ensure_can_write(principal, org_unit_id, WRITERS_OF[kind], WHAT[kind])


def can_read(principal: Principal, analysis: SituationAnalysis) -> bool:
    return analysis.status == AnalysisStatus.COMPLETED or can_read_unpublished(principal, analysis.org_unit_id)


async def get_readable(session: AsyncSession, principal: Principal, analysis_id: uuid.UUID) -> SituationAnalysis:
    """A draft outside the caller's scope does not exist (404)."""
    analysis = await repository.find(session, analysis_id)
    if analysis is None or not can_read(principal, analysis):
        raise NotFound(f"no situation analysis {analysis_id}")
    return analysis


async def get_writable(session: AsyncSession, principal: Principal, analysis_id: uuid.UUID) -> SituationAnalysis:
    analysis = await get_readable(session, principal, analysis_id)
    ensure_writer(principal, AnalysisKind(analysis.kind), analysis.org_unit_id)
    return analysis


# --- representations -------------------------------------------------------------------------


def _fed_step(step: CycleStep | None) -> FedStep | None:
    if step is None:
        return None
    return FedStep(
        year=step.year,
        number=step.number,
        name_sv=step.name_sv,
        name_en=step.name_en,
        planned_start=step.planned_start,
        planned_end=step.planned_end,
        status=step.status,
    )


def analysis_read(analysis: SituationAnalysis, feeds: CycleStep | None = None) -> AnalysisRead:
    return AnalysisRead(
        id=analysis.id,
        kind=AnalysisKind(analysis.kind),
        year=analysis.year,
        org_unit_id=analysis.org_unit_id,
        title=analysis.title,
        status=AnalysisStatus(analysis.status),
        sections=[Section.model_validate(s) for s in analysis.sections],
        feeds=_fed_step(feeds),
        created_at=analysis.created_at,
        created_by=analysis.created_by,
        updated_at=analysis.updated_at,
        updated_by=analysis.updated_by,
        row_version=analysis.row_version,
    )


async def reads_of(session: AsyncSession, analyses: Sequence[SituationAnalysis]) -> list[AnalysisRead]:
    """The analyses as read, each naming the planning step of its year's cycle (one query for all)."""
    steps = await repository.steps_numbered(session, {a.year for a in analyses}, PLANNING_STEP)
    return [analysis_read(a, steps.get(a.year)) for a in analyses]


def _snapshot(analysis: SituationAnalysis) -> dict[str, Any]:
    # The trail keeps what was written, not the cycle step looked up beside it.
    return analysis_read(analysis).model_dump(mode="json", exclude={"org_unit", "feeds"})


def _sections(sections: list[Section]) -> list[dict[str, Any]]:
    return [s.model_dump(mode="json") for s in sections]


# --- rules ---------------------------------------------------------------------------------


async def _ensure_one_per_unit_and_year(session: AsyncSession, data: AnalysisCreate) -> None:
    await lock_for_rule(session, f"situation-analysis:{data.year}:{data.kind.value}:{data.org_unit_id}")
    if await repository.find_of(session, data.year, data.kind.value, data.org_unit_id) is not None:
        raise RuleViolation(f"{WHAT[data.kind]} of an org unit is one per year: this org unit has one for {data.year}")


def _ensure_draft(analysis: SituationAnalysis) -> None:
    if analysis.status != AnalysisStatus.DRAFT:
        raise RuleViolation("a completed situation analysis is the planning's input: it is not changed")


def _ensure_documented(analysis: SituationAnalysis) -> None:
    """The seed asks for reliable, documented sources: every section names at least one."""
    if not analysis.sections:
        raise RuleViolation("a completed situation analysis has at least one section")
    unsourced = [s["heading"] for s in analysis.sections if not s.get("sources")]
    if unsourced:
        raise RuleViolation(f"every section of a completed situation analysis names its sources; without: {', '.join(unsourced)}")


async def create(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: AnalysisCreate) -> SituationAnalysis:
    ensure_writer(principal, data.kind, data.org_unit_id)  # a refusal by scope comes before what the body says
    await org_units.require(
        data.org_unit_id,
        pointer="#/org_unit_id",
        years=(data.year, data.year),
        types=UNIT_TYPES[data.kind],
        what=f"the org unit of {WHAT[data.kind]}",
    )
    await _ensure_one_per_unit_and_year(session, data)
    analysis = SituationAnalysis(
        year=data.year,
        kind=data.kind.value,
        org_unit_id=data.org_unit_id,
        title=data.title,
        status=AnalysisStatus.DRAFT.value,
        sections=_sections(data.sections),
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(analysis)
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, analysis.id, after=_snapshot(analysis))
    return analysis


async def update(session: AsyncSession, principal: Principal, analysis: SituationAnalysis, data: AnalysisUpdate) -> SituationAnalysis:
    _ensure_draft(analysis)
    changes = changes_of(data)
    if "sections" in changes:
        changes["sections"] = _sections(data.sections or [])
    if all(getattr(analysis, name) == value for name, value in changes.items()):
        return analysis  # nothing changes: no new row version, no audit event
    before = _snapshot(analysis)
    for name, value in changes.items():
        setattr(analysis, name, value)
    analysis.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", ENTITY, analysis.id, before=before, after=_snapshot(analysis))
    return analysis


async def complete(session: AsyncSession, principal: Principal, analysis: SituationAnalysis) -> SituationAnalysis:
    _ensure_draft(analysis)
    _ensure_documented(analysis)
    before = _snapshot(analysis)
    analysis.status = AnalysisStatus.COMPLETED.value
    analysis.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "COMPLETE", ENTITY, analysis.id, before=before, after=_snapshot(analysis))
    return analysis

"""The rules of risk and materiality assessments (risk- och väsentlighetsanalys, seed: "Intern kontroll").

A board's administration assesses its risks each year (June–September); each risk is valued
likelihood × consequence and either accepted or addressed by a control activity of the board's
control plan. Internal control is read in scope only (and by the auditors): another board's
assessment answers 404, so its existence is not disclosed.
"""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from internal_control_service.boards import require_board
from internal_control_service.db import auditor
from internal_control_service.risks import repository
from internal_control_service.risks.models import Risk, RiskAssessment
from internal_control_service.risks.scales import SCALE, RiskScales
from internal_control_service.risks.schemas import (
    BandTotal,
    MatrixCell,
    RiskAssessmentCreate,
    RiskAssessmentRead,
    RiskAssessmentSummary,
    RiskAssessmentUpdate,
    RiskContent,
    RiskCreate,
    RiskDecision,
    RiskMatrix,
    RiskRead,
    RiskUpdate,
)
from styrkedjan_common.http import EMBEDDED_MAX, cursor_values, page_of
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import OrgUnitReplica
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import can_read_unpublished, ensure_can_write, readable_unit_ids
from styrkedjan_common.years import LAST_YEAR

ASSESSMENT, RISK = "risk_assessment", "risk"
# Administrations draft the assessment and boards own it; the executive board only evaluates.
WRITERS = (Role.NAMND, Role.FORVALTNING)
# Internal control is not public: every domain role reads in scope, the auditors everything.
READERS = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR)
RISK_FIELDS = ("process", "description", "likelihood", "consequence", "decision", "decision_note")


# --- views --------------------------------------------------------------------------------


def to_summary(assessment: RiskAssessment) -> RiskAssessmentSummary:
    return RiskAssessmentSummary.model_validate(assessment)


def to_risk_read(risk: Risk, scales: RiskScales, controlled: bool) -> RiskRead:
    value = risk.likelihood * risk.consequence
    return RiskRead(
        id=risk.id,
        assessment_id=risk.assessment_id,
        process=risk.process,
        description=risk.description,
        likelihood=risk.likelihood,
        consequence=risk.consequence,
        value=value,
        band=scales.band_of(value),
        decision=RiskDecision(risk.decision),
        decision_note=risk.decision_note,
        controlled=controlled,
        created_at=risk.created_at,
        created_by=risk.created_by,
        updated_at=risk.updated_at,
        updated_by=risk.updated_by,
        row_version=risk.row_version,
    )


async def risk_view(session: AsyncSession, risk: Risk, scales: RiskScales) -> RiskRead:
    return to_risk_read(risk, scales, await repository.is_controlled(session, risk.id))


# A risk's position among an assessment's risks, in the cursor's field names the other lists use: its
# value as "number", its process as "name".
def _risk_position(risk: Risk) -> dict[str, Any]:
    return {"number": risk.likelihood * risk.consequence, "name": risk.process, "id": str(risk.id)}


def risk_position(cursor: dict[str, Any] | None) -> tuple[int, str, uuid.UUID] | None:
    """Where a page of an assessment's risks starts, from the cursor the page before ended with."""
    return cursor_values(cursor, number=int, name=str, id=uuid.UUID) if cursor else None


async def risk_page(
    session: AsyncSession, assessment: RiskAssessment, scales: RiskScales, limit: int, after: tuple[int, str, uuid.UUID] | None
) -> tuple[list[RiskRead], str | None]:
    """A page of the assessment's risks, highest value first: two queries whatever the page size."""
    rows = await repository.risk_page(session, assessment.id, limit + 1, after)
    page, next_cursor = page_of(rows, limit, _risk_position)
    controlled = await repository.controlled_risk_ids(session, [risk.id for risk in page])
    return [to_risk_read(risk, scales, risk.id in controlled) for risk in page], next_cursor


async def assessment_view(session: AsyncSession, assessment: RiskAssessment, scales: RiskScales) -> RiskAssessmentRead:
    """The assessment with its highest risks (the first page of its risks) and how many it has: an
    assessment of a thousand risks is read as quickly as one of ten."""
    risks, next_cursor = await risk_page(session, assessment, scales, EMBEDDED_MAX, None)
    count = await repository.count_risks(session, assessment.id) if next_cursor else len(risks)
    return RiskAssessmentRead(**to_summary(assessment).model_dump(), risks=risks, risk_count=count, risks_next_cursor=next_cursor)


def _risk_snapshot(risk: Risk) -> dict[str, Any]:
    fields = {name: getattr(risk, name) for name in RISK_FIELDS}
    return {"id": str(risk.id), "assessment_id": str(risk.assessment_id), "row_version": risk.row_version} | fields


def _assessment_snapshot(assessment: RiskAssessment, risks: list[Risk] | None = None) -> dict[str, Any]:
    snapshot = to_summary(assessment).model_dump(mode="json", exclude={"board_org_unit"})
    if risks is not None:
        snapshot["risks"] = [_risk_snapshot(risk) for risk in risks]
    return snapshot


async def matrix(session: AsyncSession, assessment: RiskAssessment, scales: RiskScales) -> RiskMatrix:
    counts = await repository.matrix_counts(session, assessment.id)
    cells = [
        MatrixCell(
            likelihood=likelihood,
            consequence=consequence,
            value=likelihood * consequence,
            band=scales.band_of(likelihood * consequence),
            count=counts.get((likelihood, consequence), 0),
        )
        for likelihood in SCALE
        for consequence in SCALE
    ]
    bands = [BandTotal(**band.model_dump(), count=sum(cell.count for cell in cells if band.holds(cell.value))) for band in scales.bands]
    return RiskMatrix(
        assessment_id=assessment.id,
        board_org_unit_id=assessment.board_org_unit_id,
        year=assessment.year,
        cells=cells,
        bands=bands,
        total=sum(counts.values()),
    )


# --- reading in scope ---------------------------------------------------------------------


async def list_assessments(
    session: AsyncSession,
    principal: Principal,
    *,
    board_org_unit_ids: list[uuid.UUID] | None,
    year: int | None,
    limit: int,
    after: tuple[int, uuid.UUID] | None,
) -> list[RiskAssessment]:
    """The assessments of the boards in the caller's scope (every board for the auditors), of the
    boards `board_org_unit_ids` if given."""
    return await repository.list_assessments(
        session, boards=readable_unit_ids(principal), board_org_unit_ids=board_org_unit_ids, year=year, limit=limit, after=after
    )


def _visible(assessment: RiskAssessment | None, principal: Principal, assessment_id: uuid.UUID) -> RiskAssessment:
    if assessment is None or not can_read_unpublished(principal, assessment.board_org_unit_id):
        raise NotFound(f"no risk assessment {assessment_id}")
    return assessment


async def get_readable(session: AsyncSession, principal: Principal, assessment_id: uuid.UUID) -> RiskAssessment:
    return _visible(await repository.get_assessment(session, assessment_id), principal, assessment_id)


async def get_writable(session: AsyncSession, principal: Principal, assessment_id: uuid.UUID) -> RiskAssessment:
    """The assessment, once the caller is found to read it (else 404) and to write on its board (else 403)."""
    assessment = await get_readable(session, principal, assessment_id)
    ensure_can_write(principal, assessment.board_org_unit_id, WRITERS, "a risk assessment")
    return assessment


async def get_readable_risk(session: AsyncSession, principal: Principal, risk_id: uuid.UUID) -> tuple[Risk, RiskAssessment]:
    found = await repository.get_risk(session, risk_id)
    if found is None or not can_read_unpublished(principal, found[1].board_org_unit_id):
        raise NotFound(f"no risk {risk_id}")
    return found


async def get_writable_risk(session: AsyncSession, principal: Principal, risk_id: uuid.UUID) -> Risk:
    risk, assessment = await get_readable_risk(session, principal, risk_id)
    ensure_can_write(principal, assessment.board_org_unit_id, WRITERS, "a risk")
    return risk


# --- assessments --------------------------------------------------------------------------


async def _ensure_first_of_year(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int) -> None:
    if await repository.find_assessment(session, board_org_unit_id, year) is not None:
        raise RuleViolation(f"one risk assessment per board and year: board {board_org_unit_id} already has one for {year}")


async def _add_assessment(
    session: AsyncSession, principal: Principal, board_org_unit_id: uuid.UUID, year: int, title: str, description: str
) -> RiskAssessment:
    await _ensure_first_of_year(session, board_org_unit_id, year)
    assessment = RiskAssessment(
        board_org_unit_id=board_org_unit_id,
        year=year,
        title=title,
        description=description,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(assessment)
    await session.flush()
    return assessment


async def create_assessment(
    session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: RiskAssessmentCreate
) -> RiskAssessment:
    ensure_can_write(principal, data.board_org_unit_id, WRITERS, "a risk assessment")
    await require_board(org_units, data.board_org_unit_id, data.year)
    assessment = await _add_assessment(session, principal, data.board_org_unit_id, data.year, data.title, data.description)
    auditor.record(session, principal, "CREATE", ASSESSMENT, assessment.id, after=_assessment_snapshot(assessment))
    return assessment


async def update_assessment(
    session: AsyncSession, principal: Principal, assessment: RiskAssessment, data: RiskAssessmentUpdate
) -> RiskAssessment:
    changes = changes_of(data)
    if all(getattr(assessment, name) == value for name, value in changes.items()):
        return assessment  # nothing changes: no new row version, no audit event
    before = _assessment_snapshot(assessment)
    for name, value in changes.items():
        setattr(assessment, name, value)
    assessment.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", ASSESSMENT, assessment.id, before=before, after=_assessment_snapshot(assessment))
    return assessment


async def delete_assessment(session: AsyncSession, principal: Principal, assessment: RiskAssessment) -> None:
    if await repository.has_controlled_risks(session, assessment.id):
        raise RuleViolation(
            "a risk assessment whose risks are addressed by control activities is kept: "
            "remove those control activities from the control plan first"
        )
    # Its risks go with it (ON DELETE CASCADE); the audit event keeps them.
    before = _assessment_snapshot(assessment, await repository.risks_of(session, assessment.id))
    await session.delete(assessment)
    await session.flush()
    auditor.record(session, principal, "DELETE", ASSESSMENT, assessment.id, before=before)


async def copy_to_next_year(
    session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, source: RiskAssessment
) -> RiskAssessment:
    """Start next year's assessment from this one: the same board, the same risks to reassess."""
    year = source.year + 1
    if year > LAST_YEAR:
        raise InvalidInput(
            f"risk assessments are kept up to {LAST_YEAR}",
            errors=[{"pointer": "#/path/assessment_id", "detail": f"its year is {source.year}"}],
        )
    await require_board(org_units, source.board_org_unit_id, year, pointer="#/path/assessment_id")
    title = source.title.replace(str(source.year), str(year))
    copy = await _add_assessment(session, principal, source.board_org_unit_id, year, title, source.description)
    risks = [
        Risk(
            assessment_id=copy.id,
            **{name: getattr(risk, name) for name in RISK_FIELDS},
            created_by=principal.user_id,
            updated_by=principal.user_id,
        )
        for risk in await repository.risks_of(session, source.id)
    ]
    session.add_all(risks)
    await session.flush()
    after = _assessment_snapshot(copy, risks) | {"copied_from": str(source.id)}
    auditor.record(session, principal, "COPY", ASSESSMENT, copy.id, after=after)
    return copy


# --- risks --------------------------------------------------------------------------------


async def create_risk(session: AsyncSession, principal: Principal, assessment: RiskAssessment, data: RiskCreate) -> Risk:
    risk = Risk(
        assessment_id=assessment.id,
        **data.model_dump(mode="json"),
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(risk)
    await session.flush()
    auditor.record(session, principal, "CREATE", RISK, risk.id, after=_risk_snapshot(risk))
    return risk


async def update_risk(session: AsyncSession, principal: Principal, risk: Risk, data: RiskUpdate) -> Risk:
    changes = changes_of(data)
    current = {name: getattr(risk, name) for name in RISK_FIELDS}
    merged = RiskContent.model_validate(current | changes).model_dump(mode="json")
    if merged == current:
        return risk  # nothing changes: no new row version, no audit event
    if (
        merged["decision"] == RiskDecision.ACCEPT
        and current["decision"] != RiskDecision.ACCEPT
        and await repository.is_controlled(session, risk.id)
    ):
        raise RuleViolation(
            "a risk addressed by a control activity cannot be accepted: its decision stays CONTROL "
            "while a control activity of the control plan refers to it"
        )
    before = _risk_snapshot(risk)
    for name, value in merged.items():
        setattr(risk, name, value)
    risk.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", RISK, risk.id, before=before, after=_risk_snapshot(risk))
    return risk


async def delete_risk(session: AsyncSession, principal: Principal, risk: Risk) -> None:
    if await repository.is_controlled(session, risk.id):
        raise RuleViolation(
            "a risk addressed by a control activity cannot be deleted: remove the control activity from the control plan first"
        )
    before = _risk_snapshot(risk)
    await session.delete(risk)
    await session.flush()
    auditor.record(session, principal, "DELETE", RISK, risk.id, before=before)

import uuid

from fastapi import APIRouter, Request, Response, status

from internal_control_service.risks import service
from internal_control_service.risks.models import Risk, RiskAssessment
from internal_control_service.risks.scales import RiskScales, scales_of
from internal_control_service.risks.schemas import (
    RiskAssessmentCreate,
    RiskAssessmentRead,
    RiskAssessmentSummary,
    RiskAssessmentUpdate,
    RiskCreate,
    RiskMatrix,
    RiskRead,
    RiskUpdate,
)
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match, set_etag
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.org_units import org_units as replica_of
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import YearFilter

router = APIRouter(tags=["risk-assessments"], route_class=PolicyRoute)
READERS = allow(*service.READERS)
# The follow-up service reads the assessments for the boards' reports (its own assertion).
FOLLOWUP_READERS = allow(*service.READERS, services=("followup",))
WRITERS = allow(*service.WRITERS)
CONDITIONAL = problem_responses(404, 409, 412, 428)
ASSESSMENTS = "/risk-assessments"
ASSESSMENT = ASSESSMENTS + "/{assessment_id}"
RISK = "/risks/{risk_id}"


def _scales(request: Request) -> RiskScales:
    return scales_of(request.app.state.settings)


async def _assessment_response(session: SessionDep, request: Request, response: Response, assessment: RiskAssessment) -> RiskAssessmentRead:
    set_etag(assessment, response)
    view = await service.assessment_view(session, assessment, _scales(request))
    return replica_of(request).with_names(view)


async def _risk_response(session: SessionDep, request: Request, response: Response, risk: Risk) -> RiskRead:
    set_etag(risk, response)
    return await service.risk_view(session, risk, _scales(request))


async def _assessment_for_update(request: Request, session: SessionDep, caller: CallerDep, assessment_id: uuid.UUID) -> RiskAssessment:
    assessment = await service.get_writable(session, caller, assessment_id)
    require_if_match(request, etag(assessment.id, assessment.row_version))
    return assessment


async def _risk_for_update(request: Request, session: SessionDep, caller: CallerDep, risk_id: uuid.UUID) -> Risk:
    risk = await service.get_writable_risk(session, caller, risk_id)
    require_if_match(request, etag(risk.id, risk.row_version))
    return risk


# --- scales -------------------------------------------------------------------------------


@router.get("/risk-scales", response_model=RiskScales, openapi_extra=allow_any_signed_in())
async def get_risk_scales(request: Request) -> RiskScales:
    """The likelihood and consequence scales (1–4) and the colour bands over risk values 1–16."""
    return _scales(request)


# --- assessments --------------------------------------------------------------------------


@router.get(ASSESSMENTS, response_model=Page[RiskAssessmentSummary], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(422))
async def list_risk_assessments(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    board_org_unit_id: uuid.UUID | None = None,
    year: YearFilter = None,
    include_predecessors: IncludePredecessors = False,
) -> Page[RiskAssessmentSummary]:
    """The risk assessments of the boards in the caller's scope (all for the auditors), newest year first."""
    after = decode_cursor(cursor)
    rows = await service.list_assessments(
        session,
        caller,
        board_org_unit_ids=org_units.unit_filter(board_org_unit_id, include_predecessors),
        year=year,
        limit=limit + 1,
        after=cursor_values(after, year=int, id=uuid.UUID) if after else None,
    )
    page, next_cursor = page_of(rows, limit, lambda last: {"year": last.year, "id": str(last.id)})
    items = [service.to_summary(a) for a in page]
    return org_units.with_names(Page[RiskAssessmentSummary](items=items, next_cursor=next_cursor))


@router.get(ASSESSMENT, response_model=RiskAssessmentRead, openapi_extra=FOLLOWUP_READERS, responses=problem_responses(404, 422))
async def get_risk_assessment(
    assessment_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> RiskAssessmentRead:
    """The assessment with its highest risks (at most 50), each with its band and decision, and how many
    it has; the rest are read from its risks list, from `risks_next_cursor`."""
    return await _assessment_response(session, request, response, await service.get_readable(session, caller, assessment_id))


@router.post(
    ASSESSMENTS,
    response_model=RiskAssessmentRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=WRITERS,
    responses=problem_responses(409, 422),
)
async def create_risk_assessment(
    data: RiskAssessmentCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> RiskAssessmentRead:
    """Start a board's risk and materiality assessment for a year; one per board and year."""
    assessment = await service.create_assessment(session, caller, replica_of(request), data)
    response.headers["Location"] = f"{request.url.path}/{assessment.id}"
    return await _assessment_response(session, request, response, assessment)


@router.patch(ASSESSMENT, response_model=RiskAssessmentRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def update_risk_assessment(
    assessment_id: uuid.UUID, data: RiskAssessmentUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> RiskAssessmentRead:
    """Edit the title or description. Requires If-Match."""
    assessment = await _assessment_for_update(request, session, caller, assessment_id)
    return await _assessment_response(session, request, response, await service.update_assessment(session, caller, assessment, data))


@router.delete(ASSESSMENT, status_code=status.HTTP_204_NO_CONTENT, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def delete_risk_assessment(assessment_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Delete the assessment and its risks, unless a control activity addresses one of them. Requires If-Match."""
    assessment = await _assessment_for_update(request, session, caller, assessment_id)
    await service.delete_assessment(session, caller, assessment)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    ASSESSMENT + "/copy-to-next-year",
    response_model=RiskAssessmentRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=WRITERS,
    responses=problem_responses(404, 409, 422),
)
async def copy_risk_assessment_to_next_year(
    assessment_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> RiskAssessmentRead:
    """Start next year's assessment of the same board with this one's risks, to reassess them."""
    source = await service.get_writable(session, caller, assessment_id)
    copy = await service.copy_to_next_year(session, caller, replica_of(request), source)
    response.headers["Location"] = f"/api/internal-control/v1{ASSESSMENTS}/{copy.id}"
    return await _assessment_response(session, request, response, copy)


@router.get(ASSESSMENT + "/matrix", response_model=RiskMatrix, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_risk_matrix(assessment_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> RiskMatrix:
    """The 4 × 4 risk matrix: the number of risks per likelihood and consequence, and per colour band."""
    assessment = await service.get_readable(session, caller, assessment_id)
    matrix = await service.matrix(session, assessment, _scales(request))
    return replica_of(request).with_names(matrix)


# --- risks --------------------------------------------------------------------------------


@router.get(ASSESSMENT + "/risks", response_model=Page[RiskRead], openapi_extra=READERS, responses=problem_responses(404, 422))
async def list_risks(
    assessment_id: uuid.UUID,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[RiskRead]:
    """The assessment's risks, highest risk value first, each with its band and decision. The
    assessment's read carries the first of them and the cursor to continue here."""
    after = service.risk_position(decode_cursor(cursor))
    assessment = await service.get_readable(session, caller, assessment_id)
    risks, next_cursor = await service.risk_page(session, assessment, _scales(request), limit, after)
    return Page[RiskRead](items=risks, next_cursor=next_cursor)


@router.post(
    ASSESSMENT + "/risks",
    response_model=RiskRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=WRITERS,
    responses=problem_responses(404, 422),
)
async def create_risk(
    assessment_id: uuid.UUID, data: RiskCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> RiskRead:
    """Add a risk, valued on the 1–4 scales and either accepted or to be controlled."""
    assessment = await service.get_writable(session, caller, assessment_id)
    risk = await service.create_risk(session, caller, assessment, data)
    response.headers["Location"] = f"/api/internal-control/v1/risks/{risk.id}"
    return await _risk_response(session, request, response, risk)


@router.get(RISK, response_model=RiskRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_risk(risk_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> RiskRead:
    risk, _ = await service.get_readable_risk(session, caller, risk_id)
    return await _risk_response(session, request, response, risk)


@router.patch(RISK, response_model=RiskRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def update_risk(
    risk_id: uuid.UUID, data: RiskUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> RiskRead:
    """Reassess or re-decide a risk. Requires If-Match; a risk a control activity addresses stays CONTROL."""
    risk = await _risk_for_update(request, session, caller, risk_id)
    return await _risk_response(session, request, response, await service.update_risk(session, caller, risk, data))


@router.delete(RISK, status_code=status.HTTP_204_NO_CONTENT, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def delete_risk(risk_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Remove a risk no control activity addresses. Requires If-Match."""
    risk = await _risk_for_update(request, session, caller, risk_id)
    await service.delete_risk(session, caller, risk)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

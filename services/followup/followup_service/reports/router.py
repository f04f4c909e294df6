import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from followup_service.clients import Callees
from followup_service.clients.callees import callees as callees_of
from followup_service.levels import ReportLevel
from followup_service.reports import editing, repository, service, workflow
from followup_service.reports.models import Report
from followup_service.reports.schemas import (
    AssessmentWrite,
    ReportCreate,
    ReportRead,
    ReportStatus,
    ReportTransition,
    SectionWrite,
    TransitionRequest,
)
from styrkedjan_common.db import SessionDep, utcnow
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Transition
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import OrgUnitReplica, OrgUnitsDep
from styrkedjan_common.problems import RuleViolation, problem_responses
from styrkedjan_common.scope import readable_unit_ids
from styrkedjan_common.security import CallerDep, PolicyRoute, allow
from styrkedjan_common.years import year_query

router = APIRouter(tags=["reports"], route_class=PolicyRoute)
READERS = allow(*service.READERS)
DRAFTERS = allow(*service.ALL_DRAFTERS)
REPORTS = "/reports"
REPORT = REPORTS + "/{report_id}"
HASH_HEADER = "X-Document-Hash"


def _callees_of(request: Request) -> Callable[[], Callees]:
    return lambda: callees_of(request)


CalleesDep = Annotated[Callable[[], Callees], Depends(_callees_of)]


async def _respond(session: SessionDep, org_units: OrgUnitReplica, report: Report, response: Response) -> ReportRead:
    response.headers["ETag"] = etag(report.id, report.row_version)
    return await service.to_read(session, org_units, report, utcnow().date())


@router.post(REPORTS, response_model=ReportRead, status_code=201, openapi_extra=DRAFTERS, responses=problem_responses(404, 409, 422))
async def create_report(
    data: ReportCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> ReportRead:
    """Draft the org unit's report at the occasion; its level follows from the org unit's type."""
    report = await service.create(session, caller, org_units, data)
    response.headers["Location"] = f"/api/followup/v1{REPORTS}/{report.id}"
    return await _respond(session, org_units, report, response)


@router.get(REPORTS, response_model=Page[ReportRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_reports(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    year: Annotated[int | None, year_query()] = None,
    occasion: FollowupOccasion | None = None,
    occasion_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    level: ReportLevel | None = None,
    status: ReportStatus | None = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[ReportRead]:
    """Reports of every level; drafts and submitted ones in the caller's scope (all for the auditors)."""
    after = decode_cursor(cursor)
    keyset = cursor_values(after, at=dt.datetime.fromisoformat, id=uuid.UUID) if after else None
    rows = await repository.list_reports(
        session,
        year=year,
        occasion=occasion.value if occasion else None,
        occasion_id=occasion_id,
        org_unit_id=org_unit_id,
        level=level.value if level else None,
        status=status.value if status else None,
        unpublished_units=readable_unit_ids(caller),
        published=service.PUBLISHED,
        limit=limit + 1,
        after=keyset,
    )
    items, next_cursor = page_of(rows, limit, lambda r: {"at": r.created_at.isoformat(), "id": str(r.id)})
    today = utcnow().date()
    return Page[ReportRead](items=[await service.to_read(session, org_units, r, today) for r in items], next_cursor=next_cursor)


@router.get(REPORT, response_model=ReportRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_report(
    report_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> ReportRead:
    return await _respond(session, org_units, await service.get_readable(session, caller, report_id), response)


@router.get(REPORT + "/document", openapi_extra=READERS, responses=problem_responses(404, 409, 422))
async def get_report_document(report_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> Response:
    """The frozen document, byte for byte as it was taken, with its hash; calls no other service."""
    report = await service.get_readable(session, caller, report_id)
    if report.document is None:
        raise RuleViolation("the report has no frozen document: it is frozen when submitted or decided")
    return Response(content=report.document.encode(), media_type="application/json", headers={HASH_HEADER: report.document_hash or ""})


async def _for_update(request: Request, session: SessionDep, caller: CallerDep, report_id: uuid.UUID) -> Report:
    report = await service.get_writable(session, caller, report_id, "a report")  # scope before any precondition
    require_if_match(request, etag(report.id, report.row_version))
    return report


EDIT = problem_responses(403, 404, 409, 412, 422, 428)


@router.put(REPORT + "/assessments/{goal_id}", response_model=ReportRead, openapi_extra=DRAFTERS, responses=EDIT)
async def put_assessment(
    report_id: uuid.UUID,
    goal_id: uuid.UUID,
    data: AssessmentWrite,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> ReportRead:
    """Assess a goal in force (its lineage id) on the scale, with the analysis behind it. Requires If-Match."""
    report = await _for_update(request, session, caller, report_id)
    return await _respond(session, org_units, await editing.put_assessment(session, caller, report, goal_id, data), response)


@router.delete(REPORT + "/assessments/{goal_id}", response_model=ReportRead, openapi_extra=DRAFTERS, responses=EDIT)
async def delete_assessment(
    report_id: uuid.UUID,
    goal_id: uuid.UUID,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> ReportRead:
    report = await _for_update(request, session, caller, report_id)
    return await _respond(session, org_units, await editing.delete_assessment(session, caller, report, goal_id), response)


@router.put(REPORT + "/sections/{heading}", response_model=ReportRead, openapi_extra=DRAFTERS, responses=EDIT)
async def put_section(
    report_id: uuid.UUID,
    heading: Annotated[str, Path(min_length=1, max_length=60)],
    data: SectionWrite,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> ReportRead:
    """Write the narrative under one of the occasion's headings. Requires If-Match."""
    report = await _for_update(request, session, caller, report_id)
    return await _respond(session, org_units, await editing.put_section(session, caller, report, heading, data), response)


@router.post(REPORT + "/refresh", response_model=ReportRead, openapi_extra=DRAFTERS, responses=EDIT | problem_responses(503))
async def refresh_report(
    report_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, callees: CalleesDep, response: Response
) -> ReportRead:
    """Take what the goals, budget and internal-control services show now; a callee down is a 503 and stores nothing."""
    report = await service.get_writable(session, caller, report_id, "a report")
    return await _respond(session, org_units, await workflow.refresh(session, caller, callees, org_units, report), response)


# Each step re-checks the caller's role for it on the report: returning is the level above's, deciding the board's or council's.
STEPPERS = allow(Role.ENHET, Role.FORVALTNING, Role.NAMND, Role.FULLMAKTIGE)


@router.post(REPORT + "/transitions", response_model=ReportRead, openapi_extra=STEPPERS, responses=EDIT | problem_responses(503))
async def transition_report(
    report_id: uuid.UUID,
    data: TransitionRequest,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    callees: CalleesDep,
    request: Request,
    response: Response,
) -> ReportRead:
    """SUBMIT / RETURN (unit and administration reports), PROPOSE / RETURN_TO_DRAFT / DECIDE (board and
    municipal reports). Submitting and deciding freeze the document. Requires If-Match."""
    if data.transition == ReportTransition.RETURN:
        report = await service.get_readable(session, caller, report_id)
        require_if_match(request, etag(report.id, report.row_version))
        report = await workflow.return_report(session, caller, report, data.comment)
    else:
        report = await _for_update(request, session, caller, report_id)
        if data.transition == ReportTransition.SUBMIT:
            report = await workflow.submit(session, caller, callees, org_units, report)
        else:
            report = await workflow.step(session, caller, callees, org_units, report, Transition(data.transition.value), data.decision)
    return await _respond(session, org_units, report, response)


@router.post(
    REPORT + "/revisions", response_model=ReportRead, status_code=201, openapi_extra=DRAFTERS, responses=problem_responses(403, 404, 409)
)
async def revise_report(
    report_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> ReportRead:
    """Start a change of a decided report: a new draft revision with its assessments and sections."""
    source = await service.get_writable(session, caller, report_id, "a report")
    report = await service.new_revision(session, caller, source)
    response.headers["Location"] = f"/api/followup/v1{REPORTS}/{report.id}"
    return await _respond(session, org_units, report, response)

"""Stratsys's structure file (layout 3) in and out: a year's goal chain with its period assessments
as CSV or XLSX, and its import, all or nothing, recorded as a job."""

import hashlib
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response

from goals_service.jobs import service as jobs
from goals_service.jobs.schemas import JobRead
from goals_service.settings import GoalsSettings
from goals_service.stratsys import structure_layout as layout
from goals_service.stratsys import structure_service as structure
from goals_service.stratsys.structure_followup import FollowupAssessments, followup_client
from goals_service.stratsys.structure_transfer import import_file
from styrkedjan_common.db import SessionDep
from styrkedjan_common.org_units import OrgUnitsDep
from styrkedjan_common.problems import InvalidInput, ProblemError, RuleViolation, problem_response, problem_responses, problem_type
from styrkedjan_common.security import CallerDep, PolicyRoute, allow
from styrkedjan_common.years import year_path

router = APIRouter(prefix="/stratsys/structure", tags=["stratsys"], route_class=PolicyRoute)
API = "/api/goals/v1"
EXPORTERS = allow(*structure.EXPORTERS)
IMPORTERS = allow(*structure.IMPORTERS)
JOB_KIND = "STRATSYS_STRUCTURE"
# A structure file of a large municipality is some megabytes; a body beyond this is refused unread.
MAX_BYTES = 50 * 1024 * 1024
EXAMPLE = (
    ";".join(layout.HEADER) + "\n"
    "Mål och budget 2027;Vision;0;Goal;V1;Hallstahammar - en attraktiv kommun att leva och verka i;;KF;Kommunfullmäktige;;;;;;;\n"
    "Mål och budget 2027;Kommunövergripande mål;1;Goal;KF-M1;Fler elever ska klara skolan;V1;KF;Kommunfullmäktige;OPERATIONS;;;;;;\n"
)
FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            "Layout 3: a header line naming the columns "
            + ", ".join(layout.HEADER)
            + "; as CSV (UTF-8, ';'-separated) or as an XLSX workbook whose first sheet holds the same columns"
        ),
        "content": {
            layout.CSV_TYPE: {"schema": {"type": "string"}, "example": EXAMPLE},
            layout.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
FILE_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The year's structure file",
        "content": {
            layout.CSV_TYPE: {"schema": {"type": "string"}, "example": EXAMPLE},
            layout.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
IMPORT_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "A dry run, or a file that changed nothing (everything unchanged): the run", "model": JobRead}
}


@router.get("/{year}", openapi_extra=EXPORTERS, responses=FILE_ANSWER | problem_responses(422, 502, 503, 504), response_class=Response)
async def export_structure(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    year: Annotated[int, year_path("The scorecard's year")],
    format: Annotated[str, Query(pattern="^(csv|xlsx)$", description="csv (the default) or xlsx")] = "csv",
) -> Response:
    """The year's goal chain as Stratsys's structure file (layout 3): the vision in force, the
    goals in force at each level, the indicators followed under them and their activities, each
    goal with its assessment at each follow-up of the year. Import it with POST /stratsys/structure."""
    structure.ensure_exporter(caller)
    settings: GoalsSettings = request.app.state.settings
    followup: FollowupAssessments = followup_client(request)
    assessments = (await followup.year(year)).items
    rows = await structure.export_rows(session, settings, org_units, assessments, year)
    name = f"stratsys-struktur-{year}"
    # Writing a large municipality's file is CPU work: in a worker thread, so the event loop stays free.
    if format == "xlsx":
        body, media_type, name = await to_thread.run_sync(layout.write_xlsx, rows), layout.XLSX_TYPE, name + ".xlsx"
    else:
        body, media_type, name = await to_thread.run_sync(layout.write_csv, rows), f"{layout.CSV_TYPE}; charset=utf-8", name + ".csv"
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def _body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            raise ProblemError(f"a structure file is at most {MAX_BYTES // (1024 * 1024)} MB", status=413, slug="content-too-large")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "",
    response_model=JobRead,
    status_code=201,
    openapi_extra=IMPORTERS | FILE_BODY,
    responses=IMPORT_ANSWERS | problem_responses(403, 413, 415, 422, 502, 503, 504),
)
async def import_structure(
    request: Request,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    response: Response,
    dry_run: Annotated[bool, Query(description="Check the file and count what it would do; nothing is written")] = False,
) -> Any:
    """Import a structure file (layout 3, CSV or XLSX): all or nothing, every bad line listed
    (pointer #/line/N, the header being line 1), the same file again changes nothing. Nodes are
    found by their Stratsys codes: existing ones are updated or left unchanged, others created; the
    assessments go to the follow-up service. Answered with the run (a job): 201 when it wrote,
    200 for a dry run or when nothing changed, 422 listing the errors (with the run's job_id)."""
    structure.ensure_importer(caller)
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in (layout.CSV_TYPE, layout.XLSX_TYPE):
        raise ProblemError(
            f"a structure file is sent as {layout.CSV_TYPE} or {layout.XLSX_TYPE}, not {media_type or 'without a content type'}",
            status=415,
            slug="unsupported-media-type",
        )
    body = await _body(request)
    followup = followup_client(request)
    sessionmaker = request.app.state.sessionmaker
    run = await jobs.start(
        sessionmaker,
        caller,
        kind=JOB_KIND,
        dry_run=dry_run,
        source=f"{media_type}, {len(body)} bytes",
        content_sha256=hashlib.sha256(body).hexdigest(),
    )
    try:
        changed = await import_file(
            run,
            sessionmaker,
            request.app.state.read_sessionmaker,
            request.app.state.settings,
            caller,
            org_units,
            followup,
            body,
            media_type,
            dry_run,
        )
    except (InvalidInput, RuleViolation) as refused:
        errors = refused.errors or [{"pointer": "#", "detail": refused.detail}]
        await run.refused(errors, getattr(refused, "error_count", len(errors)), message=refused.detail)
        return problem_response(
            422 if isinstance(refused, InvalidInput) else refused.status,
            refused.detail,
            type_=problem_type(refused.slug),
            instance=request.url.path,
            errors=refused.errors,
            extra={"job_id": str(run.id)},
            headers={"Content-Location": f"{API}/jobs/{run.id}"},
        )
    except ProblemError as failed:
        await run.failed(failed.detail)
        raise
    except Exception as failed:
        await run.failed(f"{type(failed).__name__}: {failed}")
        raise
    await run.succeeded("dry run: nothing was written" if dry_run else "")
    if changed and not dry_run:
        response.status_code = 201
        response.headers["Location"] = f"{API}/jobs/{run.id}"
    else:
        response.status_code = 200
    return jobs.to_read(run.job)

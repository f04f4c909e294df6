import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from goals_service.indicators import service as indicators
from goals_service.jobs import service as jobs
from goals_service.jobs.schemas import JobRead
from goals_service.settings import GoalsSettings
from goals_service.stratsys import kpidata_service as service
from goals_service.stratsys.kpidata import MANUAL_COLUMNS, MEDIA_TYPES, ROWWISE_COLUMNS, KpiFileLayout
from styrkedjan_common.db import SessionDep
from styrkedjan_common.org_units import IncludePredecessors, OrgUnitsDep
from styrkedjan_common.problems import ProblemError, problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in
from styrkedjan_common.years import year_query

router = APIRouter(prefix="/stratsys", tags=["stratsys"], route_class=PolicyRoute)
IMPORTERS = allow(*indicators.OUTCOME_WRITERS)
READERS = allow_any_signed_in()
KPIDATA = "/kpidata"
JOBS = "/api/goals/v1/jobs"
PLAIN = "text/plain"
LayoutQuery = Annotated[
    KpiFileLayout,
    Query(
        description="rowwise: layout 1 (date;unit_code;kpi_code;column_code;value); manual: layout 2 (unit name, date, measure name, value; tab-separated)"
    ),
]
CodeSystemQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=50,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="The external code system the unit and KPI codes are of (layout 1)",
    ),
]
_COLUMNS = ", ".join(GoalsSettings.model_fields["stratsys_kpi_columns"].default)
BODY = {
    "requestBody": {
        "required": True,
        "description": (
            f"Layout 1 (layout=rowwise) as text/csv: `;`-separated lines of the columns {', '.join(ROWWISE_COLUMNS)}, "
            "an optional header line; codes are external codes in code_system; column_code one of "
            f"{_COLUMNS} (outcome total, women, men; the year's target total, women, men). Layout 2 (layout=manual) as "
            f"text/tab-separated-values, no header: {', '.join(MANUAL_COLUMNS)}, names exactly as in the org tree and the "
            "catalogue, the value the period's total outcome. Dates are any day inside the indicator's period; values take "
            "'.' or ',' as the decimal separator, and an empty value is skipped. UTF-8 or Windows-1252."
        ),
        "content": {
            MEDIA_TYPES[KpiFileLayout.ROWWISE]: {
                "schema": {"type": "string"},
                "example": "date;unit_code;kpi_code;column_code;value\n2027-04-30;BUN;KPI-ELEV-BEH;UTFALL;84,2\n",
            },
            MEDIA_TYPES[KpiFileLayout.MANUAL]: {
                "schema": {"type": "string"},
                "example": "Barn- och utbildningsnämnden\t2027-04-15\tBehöriga till yrkesprogram (%)\t84.2\n",
            },
        },
    }
}
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "A dry run (nothing written), or content imported before: the run, which changed nothing new", "model": JobRead}
}
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file",
        "content": {
            MEDIA_TYPES[KpiFileLayout.ROWWISE]: {"schema": {"type": "string"}},
            MEDIA_TYPES[KpiFileLayout.MANUAL]: {"schema": {"type": "string"}},
        },
    }
}


def _check_media_type(request: Request, layout: KpiFileLayout) -> str:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in (MEDIA_TYPES[layout], PLAIN):
        raise ProblemError(
            f"a layout {layout.value} file is sent as {MEDIA_TYPES[layout]}, not {media_type or 'without a content type'}",
            status=415,
            slug="unsupported-media-type",
        )
    return media_type


@router.post(
    KPIDATA,
    response_model=JobRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IMPORTERS | BODY,
    responses=IMPORT_RESPONSES | problem_responses(409, 413, 415, 422),
)
async def import_kpidata(
    request: Request,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    response: Response,
    layout: LayoutQuery = KpiFileLayout.ROWWISE,
    dry_run: Annotated[bool, Query(description="Answer what the import would do, writing nothing")] = False,
    code_system: CodeSystemQuery = "stratsys",
) -> JobRead:
    """Import indicator outcomes and targets from a Stratsys KPI file: all or nothing, every bad
    line listed with its line (422, naming the run in Content-Location); the run is a job (201,
    Location), whose counts say what was created, updated and left unchanged. The same file again
    changes nothing (200). Outcomes are written by the units in scope, targets by the boards and
    administrations, as through the indicator API; a value lands on each use of the KPI by the unit."""
    media_type = _check_media_type(request, layout)
    state = request.app.state
    imported = await service.import_file(
        state.sessionmaker,
        state.read_sessionmaker,
        caller,
        org_units,
        state.settings,
        layout=layout,
        code_system=code_system,
        dry_run=dry_run,
        body=request.stream(),
        source=f"stratsys kpidata, layout {layout.value} ({media_type}), code system {code_system}",
    )
    if dry_run or imported.repeated:
        response.status_code = status.HTTP_200_OK
    else:
        response.headers["Location"] = f"{JOBS}/{imported.job.id}"
    return jobs.to_read(imported.job)


@router.get(KPIDATA, openapi_extra=READERS, response_class=Response, responses=EXPORT_RESPONSES | problem_responses(422))
async def export_kpidata(
    request: Request,
    session: SessionDep,
    org_units: OrgUnitsDep,
    year: Annotated[int, year_query("The year whose outcomes (and in layout 1 targets) are exported")],
    layout: LayoutQuery = KpiFileLayout.ROWWISE,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="Only this org unit's values")] = None,
    include_predecessors: IncludePredecessors = False,
    code_system: CodeSystemQuery = "stratsys",
) -> Response:
    """A year's indicator values as a Stratsys KPI file that imports back unchanged: layout 1 with
    each period's last day and the measure columns, layout 2 with the total outcomes by unit and
    measure name. Units and KPIs without a code in code_system are left out of layout 1."""
    units = org_units.unit_filter(org_unit_id, include_predecessors)
    settings = request.app.state.settings
    text = await service.export_file(session, org_units, settings, layout=layout, year=year, org_unit_ids=units, code_system=code_system)
    extension = "csv" if layout == KpiFileLayout.ROWWISE else "tsv"
    return Response(
        text,
        media_type=f"{MEDIA_TYPES[layout]}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="kpidata-{year}-{layout.value}.{extension}"'},
    )

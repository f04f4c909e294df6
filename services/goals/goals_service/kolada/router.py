"""Kolada: the sync (on demand), the import of Kolada's JSON files, peer groups and the comparison."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from goals_service.jobs import service as jobs
from goals_service.jobs.schemas import JobRead
from goals_service.kolada import repository, service
from goals_service.kolada.client import KoladaClient
from goals_service.kolada.models import KoladaPeerGroup
from goals_service.kolada.schemas import (
    FactorComparison,
    KoladaComparison,
    KoladaGender,
    KoladaSyncMode,
    KoladaSyncRequest,
    PeerGroupCreate,
    PeerGroupRead,
    PeerGroupUpdate,
)
from goals_service.settings import GoalsSettings
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import Role
from styrkedjan_common.problems import ProblemError, problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in

router = APIRouter(tags=["kolada"], route_class=PolicyRoute)
KOLADA = "/kolada"
GROUPS = KOLADA + "/peer-groups"
GROUP = GROUPS + "/{group_id}"
JOBS = "/api/goals/v1/jobs"
# Fullmaktige with the whole municipality, and the administrators (checked in the service).
MANAGERS = allow(Role.FULLMAKTIGE, Role.ADMIN)
READERS = allow_any_signed_in()
CONDITIONAL = problem_responses(403, 404, 412, 428, 422)
RUN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "A dry run (nothing written), or a file imported before: the run, which changed nothing new", "model": JobRead}
}
FILE_BODY = {
    "requestBody": {
        "required": True,
        "description": "One of Kolada's JSON files as it is: a data envelope (like /data/kpi/...), KPI metadata (/kpi/...) or municipalities",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["values"],
                    "properties": {"values": {"type": "array", "items": {"type": "object"}}},
                },
                "example": {
                    "count": 1,
                    "values": [
                        {
                            "kpi": "N15428",
                            "municipality": "1961",
                            "period": 2025,
                            "values": [{"gender": "T", "count": 1, "status": "", "value": 84.2}],
                        }
                    ],
                    "next_url": None,
                },
            }
        },
    }
}
PeerGroupQuery = Annotated[uuid.UUID, Query(description="The peer group compared with")]
YearsQuery = Annotated[
    str | None, Query(max_length=200, description="Comma-separated years, e.g. 2024,2025 (default: the years a sync reads)")
]
GenderQuery = Annotated[KoladaGender, Query(description="T total, K women, M men")]


def _client(request: Request) -> KoladaClient:
    client: KoladaClient | None = getattr(request.app.state, "kolada_client", None)
    return client or KoladaClient.from_settings(request.app.state.settings)


def _settings(request: Request) -> GoalsSettings:
    settings: GoalsSettings = request.app.state.settings
    return settings


def _answer(job_read: JobRead, response: Response, created: bool) -> JobRead:
    if created:
        response.headers["Location"] = f"{JOBS}/{job_read.id}"
    else:
        response.status_code = status.HTTP_200_OK
    return job_read


@router.post(
    KOLADA + "/syncs",
    response_model=JobRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=MANAGERS,
    responses=RUN_RESPONSES | problem_responses(403, 409, 422, 503, 504),
)
async def start_sync(request: Request, caller: CallerDep, response: Response, data: KoladaSyncRequest) -> JobRead:
    """Syncs Kolada now: the catalogue's Kolada key figures (metadata, and our values into their
    outcomes per year) and our peers' values, since the last successful sync unless `full`. The run
    is a job (201, Location). 409 while another sync runs; 503/504 naming Kolada when it is away."""
    state = request.app.state
    full = data.mode == KoladaSyncMode.FULL
    job = await service.start_sync(state.sessionmaker, caller, _settings(request), _client(request), full=full, dry_run=data.dry_run)
    return _answer(jobs.to_read(job), response, created=not data.dry_run)


async def _body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > service.MAX_FILE_BYTES:
            raise ProblemError(
                f"a Kolada file is at most {service.MAX_FILE_BYTES // (1024 * 1024)} MB", status=413, slug="content-too-large"
            )
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    KOLADA + "/imports",
    response_model=JobRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=MANAGERS | FILE_BODY,
    responses=RUN_RESPONSES | problem_responses(403, 413, 415, 422),
)
async def import_file(
    request: Request,
    caller: CallerDep,
    response: Response,
    dry_run: Annotated[bool, Query(description="Answer what the import would do, writing nothing")] = False,
    name: Annotated[str, Query(max_length=200, description="The file's name, kept with the run")] = "",
) -> JobRead:
    """For a network without internet: one of Kolada's JSON files (data, KPI metadata or
    municipalities), with the same effect as a sync. All or nothing: every row that does not fit is
    listed (422, naming the run in Content-Location). The run is a job (201, Location); the same
    file again changes nothing (200)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise ProblemError(
            f"a Kolada file is sent as application/json, not {media_type or 'without a content type'}",
            status=415,
            slug="unsupported-media-type",
        )
    state = request.app.state
    job, repeated = await service.import_file(state.sessionmaker, caller, _settings(request), await _body(request), name, dry_run=dry_run)
    return _answer(jobs.to_read(job), response, created=not (dry_run or repeated))


# --- peer groups --------------------------------------------------------------------------


def _with_etag(read: PeerGroupRead, response: Response) -> PeerGroupRead:
    response.headers["ETag"] = etag(read.id, read.row_version)
    return read


async def _for_update(request: Request, session: SessionDep, caller: CallerDep, group_id: uuid.UUID) -> KoladaPeerGroup:
    service.ensure_kolada_manager(caller, "a peer group")
    group = await service.get_group(session, group_id)
    require_if_match(request, etag(group.id, group.row_version))
    return group


@router.get(GROUPS, response_model=Page[PeerGroupRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_peer_groups(session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[PeerGroupRead]:
    """The peer groups by name."""
    after = decode_cursor(cursor)
    keyset = cursor_values(after, name=str, id=uuid.UUID) if after else None
    rows = await repository.list_groups(session, limit + 1, keyset)
    page, next_cursor = page_of(rows, limit, lambda last: {"name": last.name, "id": str(last.id)})
    return Page[PeerGroupRead](items=[service.to_group_read(group) for group in page], next_cursor=next_cursor)


@router.get(GROUP, response_model=PeerGroupRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_peer_group(group_id: uuid.UUID, session: SessionDep, response: Response) -> PeerGroupRead:
    return _with_etag(service.to_group_read(await service.get_group(session, group_id)), response)


@router.post(
    GROUPS,
    response_model=PeerGroupRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=MANAGERS,
    responses=problem_responses(403, 409, 422, 503, 504),
)
async def create_peer_group(
    data: PeerGroupCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> PeerGroupRead:
    """A group of municipalities to compare with: by Kolada's ids, or from one of Kolada's
    municipality groups (its members, read from Kolada now)."""
    group = await service.create_group(session, caller, data, _settings(request), _client(request))
    response.headers["Location"] = f"{request.url.path}/{group.id}"
    return _with_etag(service.to_group_read(group), response)


@router.patch(GROUP, response_model=PeerGroupRead, openapi_extra=MANAGERS, responses=CONDITIONAL)
async def update_peer_group(
    group_id: uuid.UUID, data: PeerGroupUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> PeerGroupRead:
    """Requires If-Match."""
    group = await service.update_group(session, caller, await _for_update(request, session, caller, group_id), data)
    return _with_etag(service.to_group_read(group), response)


@router.delete(GROUP, status_code=status.HTTP_204_NO_CONTENT, openapi_extra=MANAGERS, responses=CONDITIONAL)
async def delete_peer_group(group_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> None:
    """Requires If-Match."""
    await service.delete_group(session, caller, await _for_update(request, session, caller, group_id))


# --- the comparison -----------------------------------------------------------------------


@router.get(KOLADA + "/comparison", response_model=KoladaComparison, openapi_extra=READERS, responses=problem_responses(404, 422))
async def compare(
    session: SessionDep,
    request: Request,
    peer_group_id: PeerGroupQuery,
    kpi: Annotated[str | None, Query(pattern=r"^[NU]\d{5}$", description="Kolada's key figure id", examples=["N15428"])] = None,
    indicator_id: Annotated[uuid.UUID | None, Query(description="Or the catalogue's indicator (with a Kolada id)")] = None,
    years: YearsQuery = None,
    gender: GenderQuery = KoladaGender.T,
) -> KoladaComparison:
    """A key figure compared with a peer group, per year: our value, each peer's (with Kolada's
    status), the group's median (ours counted in it; missing values left out) and our rank (1 =
    best by the catalogue's direction, else highest first; ties share a rank; missing: no rank)."""
    settings = _settings(request)
    kpi_id, indicator = await service.indicator_for(session, kpi, indicator_id)
    group = await service.get_group(session, peer_group_id)
    return await service.compare(session, settings, kpi_id, indicator, group, service.years_of(years, settings), gender)


@router.get(
    "/quality-factors/{factor_id}/comparison",
    response_model=FactorComparison,
    openapi_extra=READERS,
    responses=problem_responses(404, 422),
    tags=["quality-factors"],
)
async def compare_quality_factor(
    factor_id: uuid.UUID,
    session: SessionDep,
    request: Request,
    peer_group_id: PeerGroupQuery,
    years: YearsQuery = None,
    gender: GenderQuery = KoladaGender.T,
) -> FactorComparison:
    """The quality factor's Kolada key figures (its indicator uses from Kolada), each compared with the peer group."""
    settings = _settings(request)
    group = await service.get_group(session, peer_group_id)
    return await service.compare_factor(session, settings, factor_id, group, service.years_of(years, settings), gender)

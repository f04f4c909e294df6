import uuid

from fastapi import APIRouter, Request, Response, status

from goals_service.quality import repository, service
from goals_service.quality.models import QualityFactor
from goals_service.quality.schemas import QualityFactorCreate, QualityFactorRead, QualityFactorUpdate
from goals_service.units import BIND_NAMES
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import ALL_ROLES, Role
from styrkedjan_common.org_units import OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in

router = APIRouter(prefix="/quality-factors", tags=["quality-factors"], route_class=PolicyRoute, dependencies=[BIND_NAMES])
WRITERS = allow(Role.FORVALTNING, Role.ENHET)
CONDITIONAL = problem_responses(404, 412, 428, 422)
# Follow-up reads a board's or administration's quality factors with its own assertion to report them.
FOLLOWUP_READERS = allow(*ALL_ROLES, services=("followup",))


def _with_etag(read: QualityFactorRead, response: Response) -> QualityFactorRead:
    response.headers["ETag"] = etag(read.id, read.row_version)
    return read


async def _for_update(request: Request, session: SessionDep, caller: CallerDep, factor_id: uuid.UUID) -> QualityFactor:
    factor = await service.get_writable(session, caller, factor_id)  # a refusal by scope comes before any precondition
    require_if_match(request, etag(factor.id, factor.row_version))
    return factor


@router.get("", response_model=Page[QualityFactorRead], openapi_extra=FOLLOWUP_READERS, responses=problem_responses(422))
async def list_quality_factors(
    session: SessionDep,
    org_unit_id: uuid.UUID | None = None,
    active: bool | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[QualityFactorRead]:
    """Quality factors by name, each with its key figures."""
    after = decode_cursor(cursor)
    keyset = cursor_values(after, name=str, id=uuid.UUID) if after else None
    rows = await repository.list_page(session, org_unit_id=org_unit_id, active=active, limit=limit + 1, after=keyset)
    page, next_cursor = page_of(rows, limit, lambda last: {"name": last.name, "id": str(last.id)})
    return Page[QualityFactorRead](items=await service.read_page(session, page), next_cursor=next_cursor)


@router.get("/{factor_id}", response_model=QualityFactorRead, openapi_extra=allow_any_signed_in(), responses=problem_responses(404, 422))
async def get_quality_factor(factor_id: uuid.UUID, session: SessionDep, response: Response) -> QualityFactorRead:
    return _with_etag(await service.read(session, await service.get(session, factor_id)), response)


@router.post(
    "", response_model=QualityFactorRead, status_code=status.HTTP_201_CREATED, openapi_extra=WRITERS, responses=problem_responses(422)
)
async def create_quality_factor(
    data: QualityFactorCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> QualityFactorRead:
    """For an administration, or a unit below it, of the directory valid today."""
    factor = await service.create(session, caller, data, org_units)
    response.headers["Location"] = f"{request.url.path}/{factor.id}"
    return _with_etag(service.to_read(factor), response)


@router.patch("/{factor_id}", response_model=QualityFactorRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def update_quality_factor(
    factor_id: uuid.UUID,
    data: QualityFactorUpdate,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> QualityFactorRead:
    """Requires If-Match. `active: false` retires the factor while key figures or activities still name it.
    A new unit is checked as on a new factor."""
    factor = await service.update(session, caller, await _for_update(request, session, caller, factor_id), data, org_units)
    return _with_etag(await service.read(session, factor), response)


@router.delete(
    "/{factor_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(409)
)
async def delete_quality_factor(factor_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Requires If-Match. Refused while key figures or activities refer to the factor: deactivate it instead."""
    await service.delete(session, caller, await _for_update(request, session, caller, factor_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)

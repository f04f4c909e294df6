import uuid

from fastapi import APIRouter, Request, Response, status

from goals_service.vision import repository, service
from goals_service.vision.models import VisionVersion
from goals_service.vision.schemas import VisionCreate, VisionRead, VisionUpdate
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Decision, Transition
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in

router = APIRouter(prefix="/visions", tags=["vision"], route_class=PolicyRoute)
WRITERS = allow(Role.FULLMAKTIGE)
CONDITIONAL = problem_responses(404, 409, 412, 428)


def _respond(version: VisionVersion, response: Response) -> VisionRead:
    response.headers["ETag"] = etag(version.id, version.row_version)
    return service.to_read(version)


async def _for_update(request: Request, session: SessionDep, caller: CallerDep, vision_id: uuid.UUID) -> VisionVersion:
    service.ensure_writer(caller)  # a refusal by scope comes before any precondition
    version = await service.get_readable(session, caller, vision_id)
    require_if_match(request, etag(version.id, version.row_version))
    return version


@router.get("", response_model=Page[VisionRead], openapi_extra=allow_any_signed_in(), responses=problem_responses(422))
async def list_vision_versions(
    session: SessionDep, caller: CallerDep, limit: LimitQuery = 20, cursor: CursorQuery = None
) -> Page[VisionRead]:
    """Every revision of the vision, newest first. Drafts are listed for fullmaktige and revisor only."""
    after = decode_cursor(cursor)
    before_revision = cursor_values(after, revision=int)[0] if after else None
    rows = await repository.list_page(session, service.readable_statuses(caller), limit + 1, before_revision)
    page, next_cursor = page_of(rows, limit, lambda last: {"revision": last.revision})
    return Page[VisionRead](items=[service.to_read(v) for v in page], next_cursor=next_cursor)


@router.get("/current", response_model=VisionRead, openapi_extra=allow_any_signed_in(), responses=problem_responses(404))
async def get_current_vision(session: SessionDep, response: Response) -> VisionRead:
    """The decided vision and core values in force."""
    return _respond(await service.read_current(session), response)


@router.get("/{vision_id}", response_model=VisionRead, openapi_extra=allow_any_signed_in(), responses=problem_responses(404, 422))
async def get_vision_version(vision_id: uuid.UUID, session: SessionDep, caller: CallerDep, response: Response) -> VisionRead:
    return _respond(await service.get_readable(session, caller, vision_id), response)


@router.post(
    "", response_model=VisionRead, status_code=status.HTTP_201_CREATED, openapi_extra=WRITERS, responses=problem_responses(409, 422)
)
async def create_vision_version(
    data: VisionCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> VisionRead:
    """Start a new draft revision; it replaces the decided vision once it is decided."""
    version = await service.create(session, caller, data, request.app.state.settings)
    response.headers["Location"] = f"{request.url.path}/{version.id}"
    return _respond(version, response)


@router.post(
    "/{vision_id}/revisions",
    response_model=VisionRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=WRITERS,
    responses=problem_responses(404, 409, 422),
)
async def revise_vision_version(
    vision_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> VisionRead:
    """Start an amendment: a new draft copying the decided version."""
    version = await service.new_revision(session, caller, vision_id, request.app.state.settings)
    response.headers["Location"] = f"/api/goals/v1/visions/{version.id}"
    return _respond(version, response)


@router.patch("/{vision_id}", response_model=VisionRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def update_vision_version(
    vision_id: uuid.UUID, data: VisionUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> VisionRead:
    """Edit a draft. Requires If-Match; decided versions are immutable."""
    version = await _for_update(request, session, caller, vision_id)
    return _respond(await service.update(session, caller, version, data, request.app.state.settings), response)


async def _transition(
    request: Request, session: SessionDep, caller: CallerDep, vision_id: uuid.UUID, step: Transition, decision: Decision | None = None
) -> VisionVersion:
    version = await _for_update(request, session, caller, vision_id)
    return await service.transition(session, caller, version, step, decision)


@router.post("/{vision_id}/proposal", response_model=VisionRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def propose_vision_version(
    vision_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> VisionRead:
    """DRAFT → PROPOSED."""
    return _respond(await _transition(request, session, caller, vision_id, Transition.PROPOSE), response)


@router.post("/{vision_id}/return", response_model=VisionRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def return_vision_version(
    vision_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> VisionRead:
    """PROPOSED → DRAFT, to edit it further."""
    return _respond(await _transition(request, session, caller, vision_id, Transition.RETURN_TO_DRAFT), response)


@router.post("/{vision_id}/decision", response_model=VisionRead, openapi_extra=WRITERS, responses=CONDITIONAL | problem_responses(422))
async def decide_vision_version(
    vision_id: uuid.UUID, decision: Decision, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> VisionRead:
    """PROPOSED → DECIDED with the council's decision; the version it replaces is archived."""
    return _respond(await _transition(request, session, caller, vision_id, Transition.DECIDE, decision), response)


@router.post("/{vision_id}/archival", response_model=VisionRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def archive_vision_version(
    vision_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> VisionRead:
    """DECIDED → ARCHIVED without a successor."""
    return _respond(await _transition(request, session, caller, vision_id, Transition.ARCHIVE), response)


@router.delete("/{vision_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=WRITERS, responses=CONDITIONAL)
async def delete_vision_version(vision_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Discard a draft."""
    version = await _for_update(request, session, caller, vision_id)
    await service.delete(session, caller, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

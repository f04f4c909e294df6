import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from gateway.directory import feed, repository, service
from gateway.directory.models import OrgUnitType
from gateway.directory.schemas import (
    Me,
    MyAssignment,
    OrgUnitCreate,
    OrgUnitRead,
    OrgUnitUpdate,
    RoleAssignmentCreate,
    RoleAssignmentRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from styrkedjan_common.db import SessionDep
from styrkedjan_common.external_codes import ExternalCodeFilter
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import Role
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in, allow_services, allow_without_role

me_router = APIRouter(tags=["me"], route_class=PolicyRoute)
router = APIRouter(prefix="/api/directory/v1", tags=["directory"], route_class=PolicyRoute)
ADMIN = allow(Role.ADMIN)
# The services that keep a replica of the org units.
REPLICAS = allow_services("goals", "budget", "followup", "internal-control")


async def _commit(request: Request, session: SessionDep) -> None:
    """Commit now so that cached identities are refreshed from what is stored."""
    await session.commit()
    request.app.state.resolver.invalidate()


def _page_after(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    after = decode_cursor(cursor)
    return cursor_values(after, name=str, id=uuid.UUID) if after else None


@me_router.get("/api/me", response_model=Me, openapi_extra=allow_without_role())
async def get_me(request: Request, session: SessionDep, caller: CallerDep) -> Me:
    """The signed-in user, their role assignments and the org units in scope of each."""
    held = request.scope["state"]["caller"]
    tree = await request.app.state.resolver.tree(session)
    assignments = []
    for a in caller.assignments:
        unit = tree.units.get(a.org_unit_id)
        assignments.append(
            MyAssignment(
                role=a.role,
                org_unit_id=uuid.UUID(a.org_unit_id),
                org_unit_name=unit.name if unit else "",
                org_unit_type=OrgUnitType(unit.type) if unit else OrgUnitType.UNIT,
                scope=None if a.scope is None else sorted(uuid.UUID(u) for u in a.scope),
            )
        )
    return Me(
        id=uuid.UUID(caller.user_id),
        kind=caller.kind.value,
        subject=held.subject,
        display_name=caller.name,
        email=held.email,
        roles=sorted(caller.roles),
        assignments=assignments,
    )


@router.get("/org-units", response_model=Page[OrgUnitRead], openapi_extra=allow_any_signed_in(), responses=problem_responses(422))
async def list_org_units(
    session: SessionDep,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
    type: OrgUnitType | None = None,
    parent_id: uuid.UUID | None = None,
    valid_on: Annotated[dt.date | None, Query(description="Only units valid on this date")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name")] = None,
    external_code: ExternalCodeFilter = None,
) -> Page[OrgUnitRead]:
    """The organisation, past and present units alike, ordered by name."""
    rows = await repository.list_org_units(
        session,
        limit=limit + 1,
        after=_page_after(cursor),
        type_=type.value if type else None,
        parent_id=parent_id,
        valid_on=valid_on,
        name_contains=q,
        external_code=external_code,
    )
    page, next_cursor = page_of(rows, limit, lambda last: {"name": last.name, "id": str(last.id)})
    return Page[OrgUnitRead](items=[OrgUnitRead.model_validate(u) for u in page], next_cursor=next_cursor)


# Before /org-units/{unit_id}, which would otherwise take "changes" for an id.
@router.get("/org-units/changes", response_model=feed.OrgUnitChanges, openapi_extra=REPLICAS, responses=problem_responses(422))
async def list_org_unit_changes(
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=feed.MAX_POSITION, description="The last position already read; 0 from the start")] = 0,
    limit: Annotated[int, Query(ge=1, le=feed.MAX_PAGE, description="Changes at most")] = feed.DEFAULT_PAGE,
) -> feed.OrgUnitChanges:
    """The changes of org units after a position, in order, each with the unit's whole state
    after it; for the services' replicas, read with a service's own assertion."""
    return await feed.changes_after(session, after, limit)


@router.get("/org-units/{unit_id}", response_model=OrgUnitRead, openapi_extra=allow_any_signed_in(), responses=problem_responses(404, 422))
async def get_org_unit(unit_id: uuid.UUID, session: SessionDep, response: Response) -> OrgUnitRead:
    unit = await service.get_org_unit(session, unit_id)
    response.headers["ETag"] = etag(unit.id, unit.row_version)
    return OrgUnitRead.model_validate(unit)


@router.post(
    "/org-units",
    response_model=OrgUnitRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=ADMIN,
    responses=problem_responses(409, 422),
)
async def create_org_unit(data: OrgUnitCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> OrgUnitRead:
    unit = await service.create_org_unit(session, caller, data)
    await _commit(request, session)
    response.headers["ETag"] = etag(unit.id, unit.row_version)
    response.headers["Location"] = f"/api/directory/v1/org-units/{unit.id}"
    return OrgUnitRead.model_validate(unit)


@router.patch("/org-units/{unit_id}", response_model=OrgUnitRead, openapi_extra=ADMIN, responses=problem_responses(404, 409, 412, 422, 428))
async def update_org_unit(
    unit_id: uuid.UUID, data: OrgUnitUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> OrgUnitRead:
    """Rename, recode or close (valid_to) a unit. Requires If-Match."""
    unit = await service.get_org_unit(session, unit_id)
    require_if_match(request, etag(unit.id, unit.row_version))
    unit = await service.update_org_unit(session, caller, unit, data)
    await _commit(request, session)
    response.headers["ETag"] = etag(unit.id, unit.row_version)
    return OrgUnitRead.model_validate(unit)


@router.get("/users", response_model=Page[UserRead], openapi_extra=ADMIN, responses=problem_responses(422))
async def list_users(
    session: SessionDep,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name, e-mail or subject")] = None,
) -> Page[UserRead]:
    rows = await repository.list_users(session, limit=limit + 1, after=_page_after(cursor), q=q)
    page, next_cursor = page_of(rows, limit, lambda last: {"name": last.display_name, "id": str(last.id)})
    return Page[UserRead](items=[UserRead.model_validate(u) for u in page], next_cursor=next_cursor)


@router.get("/users/{user_id}", response_model=UserRead, openapi_extra=ADMIN, responses=problem_responses(404, 422))
async def get_user(user_id: uuid.UUID, session: SessionDep, response: Response) -> UserRead:
    user = await service.get_person(session, user_id)
    response.headers["ETag"] = etag(user.id, user.row_version)
    return UserRead.model_validate(user)


@router.post(
    "/users", response_model=UserRead, status_code=status.HTTP_201_CREATED, openapi_extra=ADMIN, responses=problem_responses(409, 422)
)
async def create_user(data: UserCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> UserRead:
    user = await service.create_user(session, caller, data)
    await _commit(request, session)
    response.headers["ETag"] = etag(user.id, user.row_version)
    response.headers["Location"] = f"/api/directory/v1/users/{user.id}"
    return UserRead.model_validate(user)


@router.patch("/users/{user_id}", response_model=UserRead, openapi_extra=ADMIN, responses=problem_responses(404, 412, 422, 428))
async def update_user(
    user_id: uuid.UUID, data: UserUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> UserRead:
    """Change a user's name or e-mail, or deactivate them. Requires If-Match."""
    user = await service.get_person(session, user_id)
    require_if_match(request, etag(user.id, user.row_version))
    user = await service.update_user(session, caller, user, data)
    await _commit(request, session)
    response.headers["ETag"] = etag(user.id, user.row_version)
    return UserRead.model_validate(user)


@router.get(
    "/users/{user_id}/role-assignments", response_model=list[RoleAssignmentRead], openapi_extra=ADMIN, responses=problem_responses(404, 422)
)
async def list_role_assignments(user_id: uuid.UUID, session: SessionDep) -> list[RoleAssignmentRead]:
    """All of a user's assignments, past, present and future (a user holds few)."""
    user = await service.get_user(session, user_id)
    return [RoleAssignmentRead.model_validate(a) for a in await repository.assignments_of(session, user.id)]


@router.post(
    "/users/{user_id}/role-assignments",
    response_model=RoleAssignmentRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=ADMIN,
    responses=problem_responses(404, 409, 422),
)
async def create_role_assignment(
    user_id: uuid.UUID, data: RoleAssignmentCreate, session: SessionDep, caller: CallerDep, request: Request
) -> RoleAssignmentRead:
    user = await service.get_user(session, user_id)
    assignment = await service.add_assignment(session, caller, user, data)
    await _commit(request, session)
    return RoleAssignmentRead.model_validate(assignment)


@router.delete(
    "/role-assignments/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=ADMIN, responses=problem_responses(404, 422)
)
async def delete_role_assignment(assignment_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    await service.remove_assignment(session, caller, assignment_id)
    await _commit(request, session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

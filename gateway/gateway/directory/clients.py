"""Machine clients: integrations that sign in with OIDC client credentials as directory principals.

A client is a directory principal of kind `client` whose subject is its client id (the value of
the configured client claim, `oidc_client_claim`, in its tokens). It holds role assignments like
a person, through the same operations (/users/{user_id}/role-assignments), and its writes in
every service are audited under its name with actor kind `client`.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db import auditor
from gateway.directory import repository
from gateway.directory.models import PrincipalKind, User
from gateway.directory.schemas import ClientCreate, ClientRead, ClientUpdate
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.problems import NotFound, RuleViolation, problem_responses
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.security import CallerDep, PolicyRoute, allow

router = APIRouter(prefix="/api/directory/v1", tags=["directory"], route_class=PolicyRoute)
ADMIN = allow(Role.ADMIN)
PATH = "/api/directory/v1/clients"


def _dump(client: User) -> dict[str, Any]:
    return ClientRead.model_validate(client).model_dump(mode="json")


async def require_client(session: AsyncSession, client_id: uuid.UUID) -> User:
    """The machine client with this directory id; a person's id is no client's."""
    client = await repository.get_user(session, client_id)
    if client is None or client.kind != PrincipalKind.CLIENT.value:
        raise NotFound(f"no machine client {client_id}")
    return client


async def add_client(session: AsyncSession, actor: Principal, data: ClientCreate) -> User:
    # Persons and clients share the directory's subjects: one subject names one principal, so
    # a token can never be read as both.
    taken = await repository.get_user_by_subject(session, data.client_id)
    if taken is not None:
        holder = "machine client" if taken.kind == PrincipalKind.CLIENT.value else "person"
        raise RuleViolation(f"the client id '{data.client_id}' is already the subject of a {holder} in the directory")
    client = User(kind=PrincipalKind.CLIENT.value, subject=data.client_id, display_name=data.display_name, active=data.active)
    session.add(client)
    await session.flush()
    auditor.record(session, actor, "CREATE", "client", client.id, after=_dump(client))
    return client


async def change_client(session: AsyncSession, actor: Principal, client: User, data: ClientUpdate) -> User:
    before = _dump(client)
    for name, value in changes_of(data).items():
        setattr(client, name, value)
    await session.flush()
    auditor.record(session, actor, "UPDATE", "client", client.id, before=before, after=_dump(client))
    return client


async def _commit(request: Request, session: SessionDep) -> None:
    """Commit now so that cached identities are refreshed from what is stored (a deactivated
    client is refused at once by this gateway)."""
    await session.commit()
    request.app.state.resolver.invalidate()


@router.get("/clients", response_model=Page[ClientRead], openapi_extra=ADMIN, responses=problem_responses(422))
async def list_clients(
    session: SessionDep,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name or the client id")] = None,
) -> Page[ClientRead]:
    """The machine clients, ordered by name."""
    after = decode_cursor(cursor)
    rows = await repository.list_users(
        session,
        limit=limit + 1,
        after=cursor_values(after, name=str, id=uuid.UUID) if after else None,
        q=q,
        kind=PrincipalKind.CLIENT,
    )
    page, next_cursor = page_of(rows, limit, lambda last: {"name": last.display_name, "id": str(last.id)})
    return Page[ClientRead](items=[ClientRead.model_validate(c) for c in page], next_cursor=next_cursor)


@router.get("/clients/{client_id}", response_model=ClientRead, openapi_extra=ADMIN, responses=problem_responses(404, 422))
async def get_client(client_id: uuid.UUID, session: SessionDep, response: Response) -> ClientRead:
    client = await require_client(session, client_id)
    response.headers["ETag"] = etag(client.id, client.row_version)
    return ClientRead.model_validate(client)


@router.post(
    "/clients", response_model=ClientRead, status_code=status.HTTP_201_CREATED, openapi_extra=ADMIN, responses=problem_responses(409, 422)
)
async def create_client(data: ClientCreate, session: SessionDep, caller: CallerDep, request: Request, response: Response) -> ClientRead:
    """Register an integration's OAuth client; it acts through the role assignments it is then given
    at /users/{user_id}/role-assignments (with this id)."""
    client = await add_client(session, caller, data)
    await _commit(request, session)
    response.headers["ETag"] = etag(client.id, client.row_version)
    response.headers["Location"] = f"{PATH}/{client.id}"
    return ClientRead.model_validate(client)


@router.patch("/clients/{client_id}", response_model=ClientRead, openapi_extra=ADMIN, responses=problem_responses(404, 412, 422, 428))
async def update_client(
    client_id: uuid.UUID, data: ClientUpdate, session: SessionDep, caller: CallerDep, request: Request, response: Response
) -> ClientRead:
    """Rename a client, or deactivate it (its tokens are refused from then on). Requires If-Match."""
    client = await require_client(session, client_id)
    require_if_match(request, etag(client.id, client.row_version))
    client = await change_client(session, caller, client, data)
    await _commit(request, session)
    response.headers["ETag"] = etag(client.id, client.row_version)
    return ClientRead.model_validate(client)

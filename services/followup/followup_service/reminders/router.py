import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from followup_service.reminders import service
from followup_service.reminders.schemas import OutboxState, RecipientCreate, RecipientRead
from followup_service.settings import FollowupSettings
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, page_of
from styrkedjan_common.org_units import OrgUnitsDep
from styrkedjan_common.problems import Forbidden, problem_responses
from styrkedjan_common.scope import readable_unit_ids
from styrkedjan_common.security import CallerDep, PolicyRoute, allow

router = APIRouter(tags=["reminders"], route_class=PolicyRoute)
MANAGERS = allow(*service.MANAGERS)
OPERATORS = allow(*service.OPERATORS)
RECIPIENTS = "/reminder-recipients"
RECIPIENT = RECIPIENTS + "/{recipient_id}"


@router.get(RECIPIENTS, response_model=Page[RecipientRead], openapi_extra=MANAGERS, responses=problem_responses(422))
async def list_reminder_recipients(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    org_unit_id: uuid.UUID | None = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[RecipientRead]:
    """Who receives the reminders and notices of each org unit in the caller's scope, in the order they were added."""
    decoded = decode_cursor(cursor)
    after = cursor_values(decoded, at=dt.datetime.fromisoformat, id=uuid.UUID) if decoded else None
    rows = await service.list_recipients(session, org_unit_id=org_unit_id, units=readable_unit_ids(caller), limit=limit + 1, after=after)
    page, next_cursor = page_of(rows, limit, lambda r: {"at": r.created_at.isoformat(), "id": str(r.id)})
    return Page[RecipientRead](items=[service.to_read(org_units, r) for r in page], next_cursor=next_cursor)


@router.get(RECIPIENT, response_model=RecipientRead, openapi_extra=MANAGERS, responses=problem_responses(403, 404, 422))
async def get_reminder_recipient(recipient_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep) -> RecipientRead:
    recipient = await service.get_recipient(session, recipient_id)
    service.ensure_manages(caller, recipient.org_unit_id)
    return service.to_read(org_units, recipient)


@router.post(
    RECIPIENTS,
    response_model=RecipientRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=MANAGERS,
    responses=problem_responses(403, 409, 422),
)
async def add_reminder_recipient(
    data: RecipientCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, request: Request, response: Response
) -> RecipientRead:
    """Send the org unit's reminders and notices to this address too (and those of the units below it
    that name nobody of their own)."""
    recipient = await service.add_recipient(session, caller, org_units, data)
    response.headers["Location"] = request.url_for("get_reminder_recipient", recipient_id=recipient.id).path
    return service.to_read(org_units, recipient)


@router.delete(RECIPIENT, status_code=status.HTTP_204_NO_CONTENT, openapi_extra=MANAGERS, responses=problem_responses(403, 404, 422))
async def remove_reminder_recipient(recipient_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> Response:
    """Stop sending the org unit's reminders to this address; messages already queued are still sent."""
    recipient = await service.get_recipient(session, recipient_id)
    await service.remove_recipient(session, caller, recipient)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/outbox", response_model=OutboxState, openapi_extra=OPERATORS, responses=problem_responses(403, 422))
async def get_outbox(
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    failures: Annotated[int, Query(ge=0, le=100, description="How many of the latest failed attempts to list")] = 20,
) -> OutboxState:
    """The e-mail outbox for its operators: messages by status and the latest failures (without
    their bodies)."""
    if readable_unit_ids(caller) is not None:
        raise Forbidden("the outbox holds the whole municipality's messages: it is read with the whole municipality in scope")
    settings: FollowupSettings = request.app.state.settings
    return await service.outbox_state(session, settings, failures)

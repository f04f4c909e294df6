import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from followup_service.dialogues import repository, service
from followup_service.dialogues.models import Dialogue, DialogueFollowup
from followup_service.dialogues.schemas import (
    DialogueCreate,
    DialogueKind,
    DialogueRead,
    DialogueStatus,
    DialogueTransition,
    DialogueUpdate,
    FollowupCreate,
    FollowupRead,
    FollowupUpdate,
)
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, etag, page_of, require_if_match
from styrkedjan_common.org_units import OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import readable_unit_ids
from styrkedjan_common.security import CallerDep, PolicyRoute, allow
from styrkedjan_common.years import year_query

router = APIRouter(tags=["dialogues"], route_class=PolicyRoute)
READERS = allow(*service.READERS)
WRITERS = allow(*service.WRITERS)
DIALOGUES = "/dialogues"
DIALOGUE = DIALOGUES + "/{dialogue_id}"
FOLLOWUPS = "/dialogue-followups"
FOLLOWUP = FOLLOWUPS + "/{followup_id}"
CONDITIONAL = problem_responses(403, 404, 409, 412, 422, 428)


def _keyset(cursor: str | None) -> tuple[dt.datetime, uuid.UUID] | None:
    after = decode_cursor(cursor)
    return cursor_values(after, at=dt.datetime.fromisoformat, id=uuid.UUID) if after else None


def _position(row: Dialogue | DialogueFollowup) -> dict[str, str]:
    return {"at": row.created_at.isoformat(), "id": str(row.id)}


async def _respond(session: SessionDep, org_units: OrgUnitsDep, dialogue: Dialogue, response: Response) -> DialogueRead:
    response.headers["ETag"] = etag(dialogue.id, dialogue.row_version)
    return org_units.with_names(await service.dialogue_detail(session, dialogue))


def _respond_followup(org_units: OrgUnitsDep, followup: DialogueFollowup, response: Response) -> FollowupRead:
    response.headers["ETag"] = etag(followup.id, followup.row_version)
    return org_units.with_names(service.followup_read(followup))


async def _for_write(request: Request, session: SessionDep, caller: CallerDep, dialogue_id: uuid.UUID) -> Dialogue:
    dialogue = await service.get_writable(session, caller, dialogue_id)  # scope before any precondition
    require_if_match(request, etag(dialogue.id, dialogue.row_version))
    return dialogue


# --- dialogues -------------------------------------------------------------------------------


@router.post(
    DIALOGUES,
    response_model=DialogueRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=WRITERS,
    responses=problem_responses(403, 404, 422),
)
async def create_dialogue(
    data: DialogueCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> DialogueRead:
    """Plan a dialogue: its meeting, themes and questions prepared beforehand, those invited with
    their side, and the frozen reports it is based on. A dialogue decides nothing: there is no decision
    field, and one sent is refused (422)."""
    dialogue = await service.create(session, caller, org_units, data)
    response.headers["Location"] = f"/api/followup/v1{DIALOGUES}/{dialogue.id}"
    return await _respond(session, org_units, dialogue, response)


@router.get(DIALOGUES, response_model=Page[DialogueRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_dialogues(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    year: Annotated[int | None, year_query()] = None,
    occasion_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    kind: DialogueKind | None = None,
    status_: Annotated[DialogueStatus | None, Query(alias="status")] = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[DialogueRead]:
    """The dialogues of the org units in the caller's scope (every one for the auditors), in the order planned."""
    rows = await repository.list_dialogues(
        session,
        year=year,
        occasion_id=occasion_id,
        org_unit_id=org_unit_id,
        kind=kind.value if kind else None,
        status=status_.value if status_ else None,
        units=readable_unit_ids(caller),
        limit=limit + 1,
        after=_keyset(cursor),
    )
    page, next_cursor = page_of(rows, limit, _position)
    followups = await repository.followups_of(session, [d.id for d in page])
    items = [service.dialogue_read(d, [f for f in followups if f.dialogue_id == d.id]) for d in page]
    return org_units.with_names(Page[DialogueRead](items=items, next_cursor=next_cursor))


@router.get(DIALOGUE, response_model=DialogueRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_dialogue(
    dialogue_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> DialogueRead:
    """The dialogue with the follow-ups agreed in it."""
    return await _respond(session, org_units, await service.get_readable(session, caller, dialogue_id), response)


@router.patch(DIALOGUE, response_model=DialogueRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def update_dialogue(
    dialogue_id: uuid.UUID,
    data: DialogueUpdate,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> DialogueRead:
    """Change the plan while the dialogue is planned; its notes and summary until it is evaluated.
    Requires If-Match. A dialogue decides nothing: there is no decision
    field, and one sent is refused (422)."""
    dialogue = await _for_write(request, session, caller, dialogue_id)
    return await _respond(session, org_units, await service.update(session, caller, dialogue, data), response)


@router.post(DIALOGUE + "/transitions", response_model=DialogueRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def transition_dialogue(
    dialogue_id: uuid.UUID,
    data: DialogueTransition,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> DialogueRead:
    """HOLD (PLANNED → HELD, with the date held and participants of both the political and the
    administrative side), EVALUATE (HELD → EVALUATED, with the evaluation) or CANCEL (PLANNED →
    CANCELLED, with the reason). Requires If-Match. A dialogue decides nothing: there is no decision
    field, and one sent is refused (422)."""
    dialogue = await _for_write(request, session, caller, dialogue_id)
    return await _respond(session, org_units, await service.transition(session, caller, dialogue, data), response)


# --- follow-ups agreed in dialogues ----------------------------------------------------------


@router.post(
    DIALOGUE + "/followups",
    response_model=FollowupRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=WRITERS,
    responses=problem_responses(403, 404, 409, 422),
)
async def add_dialogue_followup(
    dialogue_id: uuid.UUID, data: FollowupCreate, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> FollowupRead:
    """Record something agreed in a held dialogue to follow up, with its owner and due date. It is
    no decision; it appears in the org unit's next report until it is done."""
    dialogue = await service.get_writable(session, caller, dialogue_id)
    followup = await service.add_followup(session, caller, dialogue, data.text, data.owner, data.due_date)
    response.headers["Location"] = f"/api/followup/v1{FOLLOWUPS}/{followup.id}"
    return _respond_followup(org_units, followup, response)


@router.get(FOLLOWUPS, response_model=Page[FollowupRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_dialogue_followups(
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    org_unit_id: uuid.UUID | None = None,
    dialogue_id: uuid.UUID | None = None,
    open_: Annotated[bool | None, Query(alias="open", description="true: not done yet; false: done")] = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[FollowupRead]:
    """Follow-ups agreed in the dialogues of the org units in the caller's scope (every one for the auditors)."""
    rows = await repository.list_followups(
        session,
        org_unit_id=org_unit_id,
        dialogue_id=dialogue_id,
        open_only=open_,
        units=readable_unit_ids(caller),
        limit=limit + 1,
        after=_keyset(cursor),
    )
    page, next_cursor = page_of(rows, limit, _position)
    return org_units.with_names(Page[FollowupRead](items=[service.followup_read(f) for f in page], next_cursor=next_cursor))


@router.get(FOLLOWUP, response_model=FollowupRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_dialogue_followup(
    followup_id: uuid.UUID, session: SessionDep, caller: CallerDep, org_units: OrgUnitsDep, response: Response
) -> FollowupRead:
    return _respond_followup(org_units, await service.get_readable_followup(session, caller, followup_id), response)


@router.patch(FOLLOWUP, response_model=FollowupRead, openapi_extra=WRITERS, responses=CONDITIONAL)
async def update_dialogue_followup(
    followup_id: uuid.UUID,
    data: FollowupUpdate,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    request: Request,
    response: Response,
) -> FollowupRead:
    """Reword an open follow-up, or mark it done (`done_on` with a `done_comment`). Requires If-Match."""
    followup = await service.get_writable_followup(session, caller, followup_id)
    require_if_match(request, etag(followup.id, followup.row_version))
    followup = await service.update_followup(session, caller, followup, changes_of(data))
    return _respond_followup(org_units, followup, response)

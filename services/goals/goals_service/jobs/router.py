import datetime as dt
import uuid

from fastapi import APIRouter, Query

from goals_service.jobs import service
from goals_service.jobs.schemas import JobRead, JobState
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page, cursor_values, decode_cursor, page_of
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow_any_signed_in

router = APIRouter(prefix="/jobs", tags=["jobs"], route_class=PolicyRoute)
READERS = allow_any_signed_in()


@router.get("", response_model=Page[JobRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_jobs(
    session: SessionDep,
    caller: CallerDep,
    kind: str | None = Query(default=None, max_length=40, examples=["STRATSYS_KPIDATA"]),
    state: JobState | None = None,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> Page[JobRead]:
    """Runs of imports and syncs, newest first: one's own, or every run for admin and for
    fullmaktige with the whole municipality in scope. A RUNNING run shows its progress."""
    decoded = decode_cursor(cursor)
    before = cursor_values(decoded, at=dt.datetime.fromisoformat, id=uuid.UUID) if decoded else None
    rows = await service.list_page(session, caller, kind=kind, state=state, limit=limit + 1, before=before)
    page, next_cursor = page_of(rows, limit, lambda last: {"at": last.started_at.isoformat(), "id": str(last.id)})
    return Page[JobRead](items=[service.to_read(job) for job in page], next_cursor=next_cursor)


@router.get("/{job_id}", response_model=JobRead, openapi_extra=READERS, responses=problem_responses(404, 422))
async def get_job(job_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> JobRead:
    """A run: its state and progress while it runs, what it changed or every error that refused it."""
    return service.to_read(await service.get_readable(session, caller, job_id))

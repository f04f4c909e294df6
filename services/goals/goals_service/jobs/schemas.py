import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, Field


class JobState(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    REFUSED = "REFUSED"  # bad input: every error listed, nothing written
    FAILED = "FAILED"  # an unexpected error: nothing written
    ABORTED = "ABORTED"  # the process running it stopped: nothing written


class JobPhase(StrEnum):
    READING = "READING"  # reading and checking the input; lines_read grows
    WRITING = "WRITING"  # writing everything in one transaction


class ChangeCounts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


class JobError(BaseModel):
    pointer: str = Field(examples=["#/line/4"])
    detail: str = Field(examples=["unknown unit code 'NOPE'"])


class JobRead(BaseModel):
    """A run of an import or a sync. A dry run writes nothing: its counts say what the import would do."""

    id: uuid.UUID
    kind: str = Field(examples=["STRATSYS_KPIDATA"])
    state: JobState
    phase: JobPhase
    dry_run: bool
    started_by: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    source: str = Field(description="What was read: a file's name and format, or the URL synced from")
    content_sha256: str | None = Field(description="The SHA-256 of the file imported; the same file again changes nothing")
    lines_read: int = Field(description="Progress: the lines (or values) read so far")
    counts: dict[str, ChangeCounts] = Field(
        description="Per kind of object: how many were (or in a dry run would be) created, updated, left unchanged or deleted",
        examples=[{"indicator_outcome": {"created": 3, "updated": 1, "unchanged": 0, "deleted": 0}}],
    )
    errors: list[JobError] = Field(description="The errors that refused the input, in line order (capped; see error_count)")
    error_count: int
    message: str

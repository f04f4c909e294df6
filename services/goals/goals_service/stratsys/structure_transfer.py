"""One run of a structure import, from the body to the commit, with its job's record.

The file is read and checked line by line first (progress committed as it goes); then, with the
run marked WRITING, one transaction of this service plans the whole file against what is stored
(and against the follow-up service, by its dry run) and, unless this is a dry run, writes the
goals' part, has the follow-up service write the assessments, and commits last (see service.py)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from goals_service.jobs.service import Run
from goals_service.settings import GoalsSettings
from goals_service.stratsys import structure_layout as layout
from goals_service.stratsys.structure_followup import FollowupAssessments
from goals_service.stratsys.structure_service import Plan, Reader, plan_import, write_import
from styrkedjan_common.db import lock_for_rule
from styrkedjan_common.identity import Principal
from styrkedjan_common.org_units import OrgUnitReplica
from styrkedjan_common.problems import InvalidInput, ProblemError


class ImportIncomplete(ProblemError):
    """The follow-up service wrote the assessments, and then the goals' own commit failed."""

    status, slug = 503, "import-incomplete"


def read_lines(reader: Reader, body: bytes, media_type: str) -> Iterator[layout.Line]:
    try:
        yield from (layout.read_xlsx(body) if media_type == layout.XLSX_TYPE else layout.read_csv(body))
    except layout.LayoutError as exc:
        raise InvalidInput(f"the file is no structure file: {exc}", errors=[{"pointer": "#/line/1", "detail": str(exc)}]) from exc


async def import_file(
    run: Run,
    sessionmaker: async_sessionmaker[AsyncSession],
    read_sessionmaker: async_sessionmaker[AsyncSession],
    settings: GoalsSettings,
    principal: Principal,
    org_units: OrgUnitReplica,
    followup: FollowupAssessments,
    body: bytes,
    media_type: str,
    dry_run: bool,
) -> bool:
    """Whether the import changed anything (a dry run: would change)."""
    await org_units.catch_up()  # units are named by their codes: the replica knows them all first
    reader = Reader(settings, org_units)
    lines = 0
    for line in read_lines(reader, body, media_type):
        reader.read(line)
        lines += 1
        if lines % 500 == 0:
            await run.progress(lines)
    await run.progress(lines)
    if dry_run:  # read only: what the file would do, against what both services hold now
        async with read_sessionmaker() as reading:
            return _counted(run, await plan_import(reading, settings, reader, followup))
    await run.writing()
    async with sessionmaker() as session:
        await session.begin()
        try:
            # One structure import at a time: two at once could both create the same goal.
            await lock_for_rule(session, "stratsys-structure")
            plan = await plan_import(session, settings, reader, followup)
            await write_import(session, principal, settings, plan)
            if plan.assessments:
                await followup.import_year(plan.year, plan.assessments, dry_run=False)
        except BaseException:
            await session.rollback()
            raise
        else:
            try:
                await session.commit()
            except Exception as exc:
                raise ImportIncomplete(
                    "the assessments were written but the goals' part could not be committed; "
                    "import the same file again to complete it (the assessments will read as unchanged)",
                    headers={"Retry-After": "5"},
                ) from exc
    return _counted(run, plan)


def _counted(run: Run, plan: Plan) -> bool:
    changed = False
    for kind, counts in plan.counts.by_kind.items():
        for change, n in counts.items():
            if n:
                run.count(kind, change, n)
                changed = changed or change != "unchanged"
    return changed

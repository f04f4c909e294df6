"""The goal assessments of a year for Stratsys's structure file (layout 3), for the goals service
only: it reads them for its export and hands them over for its import (see stratsys/service.py)."""

from typing import Annotated

from fastapi import APIRouter, Query

from followup_service.stratsys import service
from followup_service.stratsys.schemas import AssessmentsImport, AssessmentsImported, StructureAssessments
from styrkedjan_common.db import SessionDep
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitsDep
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_services
from styrkedjan_common.years import year_query

router = APIRouter(tags=["stratsys"], route_class=PolicyRoute)
GOALS_SERVICE = allow_services("goals")
# The auditors read every report (reports/service.py), so they may read this summary of them too.
READERS = allow(Role.REVISOR, services=("goals",))
PATH = "/stratsys/assessments"


@router.get(PATH, response_model=StructureAssessments, openapi_extra=READERS, responses=problem_responses(422))
async def read_structure_assessments(session: SessionDep, year: Annotated[int, year_query()]) -> StructureAssessments:
    """Every goal assessment of the year, from the latest revision of each org unit's report at each
    follow-up: what the goals service's Stratsys structure export carries."""
    return await service.read_year(session, year)


@router.post(PATH, response_model=AssessmentsImported, openapi_extra=GOALS_SERVICE, responses=problem_responses(422))
async def import_structure_assessments(
    data: AssessmentsImport,
    session: SessionDep,
    caller: CallerDep,
    org_units: OrgUnitsDep,
    dry_run: Annotated[bool, Query(description="Check and count only; nothing is written")] = False,
) -> AssessmentsImported:
    """Write the year's assessments of an imported structure file, all or none: every assessment
    that cannot be taken is listed by its line (pointer #/line/N) and nothing is written."""
    return await service.import_year(session, caller, org_units, data, dry_run)

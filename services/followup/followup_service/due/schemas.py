"""What GET /due answers."""

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from followup_service.due.service import DueKind
from styrkedjan_common.org_units import UnitName


class DueItem(BaseModel):
    kind: DueKind
    org_unit_id: uuid.UUID | None = Field(description="The org unit it concerns; null for a step of the annual cycle")
    org_unit: UnitName = None
    what: str
    deadline: dt.date
    late: bool = Field(description="The deadline has passed and it is not done")
    link: str = Field(description="Where it is read or done (a path of this API)")
    occasion_id: uuid.UUID | None
    subject_id: uuid.UUID | None = Field(description="The report, dialogue or cycle step; null for a report not drafted yet")


class DueList(BaseModel):
    as_of: dt.date
    within_days: int
    items: list[DueItem]

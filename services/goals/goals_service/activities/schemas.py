import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, Field, computed_field

from goals_service.units import UNIT_NAME, name_of
from styrkedjan_common.org_units import OrgUnitName
from styrkedjan_common.schemas import InputModel

Sdg = Annotated[int, Field(ge=1, le=17, description="One of the 17 global goals of Agenda 2030")]
# Ids other systems (Stratsys, the finance system) use for the record: system name → code.
ExternalCodes = Annotated[
    dict[Annotated[str, Field(min_length=1, max_length=50)], Annotated[str, Field(max_length=100)]],
    Field(max_length=20, examples=[{"stratsys": "AKT-1042"}]),
]
GoalIds = Annotated[
    list[uuid.UUID],
    Field(max_length=50, description="Goals it serves, by the id of any revision; read back as lineage ids (the first revision's id)"),
]
QualityFactorIds = Annotated[list[uuid.UUID], Field(max_length=50)]


class FocusAreaCreate(InputModel):
    org_unit_id: uuid.UUID
    year: int = Field(ge=2000, le=2100, examples=[2027])
    name: str = Field(min_length=1, max_length=300, examples=["Digitalisering"])
    description: str = Field(default="", max_length=10000)
    goal_ids: GoalIds = []


class FocusAreaUpdate(InputModel):
    """Fields left out are unchanged; goal_ids replaces the whole list."""

    org_unit_id: uuid.UUID | None = None
    year: int | None = Field(default=None, ge=2000, le=2100)
    name: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10000)
    goal_ids: GoalIds | None = None


class FocusAreaRead(BaseModel):
    id: uuid.UUID
    org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def org_unit(self) -> OrgUnitName | None:
        return name_of(self.org_unit_id)

    year: int
    name: str = Field(examples=["Digitalisering"])
    description: str
    goal_ids: list[uuid.UUID]
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


class ActivityCreate(InputModel):
    owner_org_unit_id: uuid.UUID
    focus_area_id: uuid.UUID | None = None
    title: str = Field(min_length=1, max_length=300, examples=["Läsfrämjande insatser i årskurs 1–3"])
    description: str = Field(default="", max_length=10000)
    responsible: str = Field(default="", max_length=200, examples=["Rektor Kolbäcksskolan"])
    start_date: dt.date = Field(examples=["2027-01-10"])
    end_date: dt.date = Field(examples=["2027-06-15"])
    status: str | None = Field(
        default=None, min_length=1, max_length=40, description="One of GET /activity-statuses; the first when left out"
    )
    goal_ids: GoalIds = []
    quality_factor_ids: QualityFactorIds = []
    sdgs: list[Sdg] = Field(default_factory=list, max_length=17)
    external_codes: ExternalCodes = {}


class ActivityUpdate(InputModel):
    """The whole record, status included; fields left out are unchanged, lists are replaced, focus_area_id may be cleared."""

    owner_org_unit_id: uuid.UUID | None = None
    focus_area_id: uuid.UUID | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10000)
    responsible: str | None = Field(default=None, max_length=200)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    status: str | None = Field(default=None, min_length=1, max_length=40, examples=["DONE"])
    goal_ids: GoalIds | None = None
    quality_factor_ids: QualityFactorIds | None = None
    sdgs: list[Sdg] | None = Field(default=None, max_length=17)
    external_codes: ExternalCodes | None = None


class ActivityRead(BaseModel):
    id: uuid.UUID
    owner_org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def owner_org_unit(self) -> OrgUnitName | None:
        return name_of(self.owner_org_unit_id)

    focus_area_id: uuid.UUID | None
    title: str = Field(examples=["Läsfrämjande insatser i årskurs 1–3"])
    description: str
    responsible: str
    start_date: dt.date
    end_date: dt.date
    status: str = Field(examples=["ONGOING"])
    goal_ids: list[uuid.UUID]
    quality_factor_ids: list[uuid.UUID]
    sdgs: list[int]
    external_codes: dict[str, str]
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


class ActivityStatuses(BaseModel):
    statuses: list[str] = Field(
        description="In the configured order; a new activity starts in the first", examples=[["NOT_STARTED", "ONGOING", "DONE"]]
    )
    initial: str = Field(examples=["NOT_STARTED"])

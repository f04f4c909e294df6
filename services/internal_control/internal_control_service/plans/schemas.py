import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from styrkedjan_common.http import EMBEDDED_MAX
from styrkedjan_common.lifecycle import DecidedRead
from styrkedjan_common.org_units import UnitName
from styrkedjan_common.schemas import InputModel


class Tracking(BaseModel):
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


# --- common controls (kommungemensamma kontrollpunkter) ---------------------------------------


class CommonControlContent(InputModel):
    # At most 200 characters: the title becomes the `area` of the activity copied into each plan.
    title: str = Field(min_length=1, max_length=200, examples=["Attest och behörigheter"])
    what_is_checked: str = Field(
        min_length=1, max_length=10000, examples=["Att attesträtter i ekonomisystemet följer delegationsordningen"]
    )
    method: str = Field(default="", max_length=10000, examples=["Stickprov om 20 verifikationer"])
    frequency: str = Field(default="", max_length=100, examples=["Två gånger per år"])
    report_to: str = Field(default="", max_length=200, examples=["Nämnden"])
    report_when: str = Field(default="", max_length=100, examples=["Delårsrapport och årsrapport"])


class CommonControlCreate(CommonControlContent):
    year: int = Field(ge=2000, le=2100, examples=[2028], description="The year whose control plans carry the control")


class CommonControlUpdate(InputModel):
    """Fields left out are unchanged; the year is fixed."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    what_is_checked: str | None = Field(default=None, min_length=1, max_length=10000)
    method: str | None = Field(default=None, max_length=10000)
    frequency: str | None = Field(default=None, max_length=100)
    report_to: str | None = Field(default=None, max_length=200)
    report_when: str | None = Field(default=None, max_length=100)


class CommonControlRead(CommonControlCreate, Tracking):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID


# --- control activities (kontrollmoment) ------------------------------------------------------


class ControlActivityContent(InputModel):
    area: str = Field(default="", max_length=200, examples=["Upphandling"])
    what_is_checked: str = Field(min_length=1, max_length=10000, examples=["Att direktupphandlingar över 100 000 kr dokumenteras"])
    method: str = Field(default="", max_length=10000, examples=["Genomgång av samtliga direktupphandlingar"])
    frequency: str = Field(default="", max_length=100, examples=["Årligen"])
    responsible: str = Field(default="", max_length=200, examples=["Ekonomichef"])
    report_to: str = Field(default="", max_length=200, examples=["Nämnden"])
    report_when: str = Field(default="", max_length=100, examples=["Årsrapport"])
    risk_id: uuid.UUID | None = Field(
        default=None, description="The risk of the board's risk assessment this activity controls (its decision must be CONTROL)"
    )


class ControlActivityCreate(ControlActivityContent):
    pass


class ControlActivityUpdate(InputModel):
    """Fields left out are unchanged; `risk_id: null` unlinks the risk."""

    area: str | None = Field(default=None, max_length=200)
    what_is_checked: str | None = Field(default=None, min_length=1, max_length=10000)
    method: str | None = Field(default=None, max_length=10000)
    frequency: str | None = Field(default=None, max_length=100)
    responsible: str | None = Field(default=None, max_length=200)
    report_to: str | None = Field(default=None, max_length=200)
    report_when: str | None = Field(default=None, max_length=100)
    risk_id: uuid.UUID | None = None


class ControlActivityRead(ControlActivityContent, Tracking):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plan_id: uuid.UUID
    common_control_id: uuid.UUID | None = Field(description="Set when the executive board imposed the activity as a common control")


# --- control plans (internkontrollplaner) -----------------------------------------------------


class ControlPlanCreate(InputModel):
    board_org_unit_id: uuid.UUID = Field(description="The board (nämnd/styrelse) whose plan it is")
    year: int = Field(ge=2000, le=2100, examples=[2028], description="The year the plan controls; decided by December the year before")
    title: str = Field(min_length=1, max_length=300, examples=["Internkontrollplan 2028, socialnämnden"])


class ControlPlanUpdate(InputModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)


class ControlPlanRead(DecidedRead, Tracking):
    model_config = ConfigDict(from_attributes=True)

    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    year: int
    title: str
    late: bool = Field(description="Not decided although 31 December of the year before the plan's year has passed")


class ControlPlanDetail(ControlPlanRead):
    activities: list[ControlActivityRead] = Field(
        description=f"In the order they were added, at most {EMBEDDED_MAX}; the rest from the activities list of the plan"
    )
    activity_count: int = Field(description="How many control activities the plan has in all", examples=[8])
    activities_next_cursor: str | None = Field(
        default=None,
        description="Pass as `cursor` to GET /control-plans/{plan_id}/activities for the activities after these; absent when all are here",
    )

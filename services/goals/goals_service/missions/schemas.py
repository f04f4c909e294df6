import datetime as dt
import uuid
from typing import Annotated

from pydantic import ConfigDict, Field, computed_field

from goals_service.units import UNIT_NAME, name_of
from styrkedjan_common.lifecycle import DecidedRead
from styrkedjan_common.org_units import OrgUnitName
from styrkedjan_common.schemas import InputModel

ListEntry = Annotated[str, Field(min_length=1, max_length=300)]


class SteeringDocument(InputModel):
    """A steering document of particular importance to the mission (policy, riktlinje, rutin)."""

    title: str = Field(min_length=1, max_length=300, examples=["Riktlinje för biståndshandläggning"])
    reference: str = Field(default="", max_length=500, examples=["KF § 12/2026"])


class CoreMissionContent(InputModel):
    """The seed's verksamhetsbeskrivning: idea and responsibilities, target groups, legislation
    and steering documents of particular importance."""

    idea_and_responsibilities: str = Field(
        min_length=1, max_length=20000, examples=["Nämnden ansvarar för förskola, grundskola och gymnasieskola i kommunen."]
    )
    target_groups: list[ListEntry] = Field(default_factory=list, max_length=50, examples=[["Barn och elever", "Vårdnadshavare"]])
    legislation: list[ListEntry] = Field(default_factory=list, max_length=50, examples=[["Skollagen (2010:800)"]])
    steering_documents: list[SteeringDocument] = Field(default_factory=list, max_length=50)


class CoreMissionCreate(CoreMissionContent):
    org_unit_id: uuid.UUID = Field(description="The board or company whose core mission this is")


class CoreMissionUpdate(InputModel):
    """Fields left out are unchanged."""

    idea_and_responsibilities: str | None = Field(default=None, min_length=1, max_length=20000)
    target_groups: list[ListEntry] | None = Field(default=None, max_length=50)
    legislation: list[ListEntry] | None = Field(default=None, max_length=50)
    steering_documents: list[SteeringDocument] | None = Field(default=None, max_length=50)


class CoreMissionRead(DecidedRead, CoreMissionContent):
    model_config = ConfigDict(from_attributes=True)

    org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def org_unit(self) -> OrgUnitName | None:
        return name_of(self.org_unit_id)

    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int

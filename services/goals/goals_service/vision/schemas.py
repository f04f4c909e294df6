import datetime as dt

from pydantic import ConfigDict, Field

from styrkedjan_common.lifecycle import DecidedRead
from styrkedjan_common.schemas import InputModel


class CoreValue(InputModel):
    name: str = Field(min_length=1, max_length=100, examples=["Delaktighet"])
    description: str = Field(default="", max_length=2000, examples=["Vi involverar dem vi finns till för."])


class VisionContent(InputModel):
    horizon_start_year: int = Field(ge=2000, le=2100, examples=[2025])
    horizon_end_year: int = Field(ge=2000, le=2100, examples=[2037])
    text: str = Field(min_length=1, max_length=10000, examples=["Hallstahammar – en plats att leva, verka och bo på."])
    core_values: list[CoreValue] = Field(default_factory=list, max_length=30)


class VisionCreate(VisionContent):
    pass


class VisionUpdate(InputModel):
    """Fields left out are unchanged."""

    horizon_start_year: int | None = Field(default=None, ge=2000, le=2100)
    horizon_end_year: int | None = Field(default=None, ge=2000, le=2100)
    text: str | None = Field(default=None, min_length=1, max_length=10000)
    core_values: list[CoreValue] | None = Field(default=None, max_length=30)


class VisionRead(DecidedRead, VisionContent):
    model_config = ConfigDict(from_attributes=True)

    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int

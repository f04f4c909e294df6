import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from styrkedjan_common.schemas import InputModel


class MandatePeriodCreate(InputModel):
    start_year: int = Field(ge=2000, le=2100, examples=[2027])
    end_year: int | None = Field(
        default=None, ge=2000, le=2100, examples=[2030], description="Defaults to the configured term length (four years)"
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        examples=["Mandatperiod 2027–2030"],
        description='Defaults to "Mandatperiod <start>–<end>"',
    )


class MandatePeriodUpdate(InputModel):
    """Fields left out are unchanged."""

    start_year: int | None = Field(default=None, ge=2000, le=2100)
    end_year: int | None = Field(default=None, ge=2000, le=2100)
    name: str | None = Field(default=None, min_length=1, max_length=100)


class MandatePeriodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    start_year: int = Field(examples=[2027])
    end_year: int = Field(examples=[2030])
    name: str = Field(examples=["Mandatperiod 2027–2030"])
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int

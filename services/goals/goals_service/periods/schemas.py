import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from styrkedjan_common.lifecycle import Decision
from styrkedjan_common.schemas import InputModel

LENGTH_DECISION = (
    "The decision that gives the term another length than the configured one (four years by default), "
    "e.g. after an extra election; required for such a term, which may then be up to two terms long"
)
LENGTH_DECISION_EXAMPLE = {"body": "Kommunfullmäktige", "decision_date": "2029-03-18", "reference": "KF § 12/2029"}


class MandatePeriodCreate(InputModel):
    start_year: int = Field(ge=2000, le=2100, examples=[2027])
    end_year: int | None = Field(
        default=None,
        ge=2000,
        le=2100,
        examples=[2030],
        description="Defaults to the configured term length (four years); another length needs length_decision",
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        examples=["Mandatperiod 2027–2030"],
        description='Defaults to "Mandatperiod <start>–<end>"',
    )
    length_decision: Decision | None = Field(default=None, description=LENGTH_DECISION, examples=[LENGTH_DECISION_EXAMPLE])


class MandatePeriodUpdate(InputModel):
    """Fields left out are unchanged."""

    start_year: int | None = Field(default=None, ge=2000, le=2100)
    end_year: int | None = Field(default=None, ge=2000, le=2100)
    name: str | None = Field(default=None, min_length=1, max_length=100)
    length_decision: Decision | None = Field(
        default=None, description=LENGTH_DECISION + "; once recorded it is kept", examples=[LENGTH_DECISION_EXAMPLE]
    )


class MandatePeriodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    start_year: int = Field(examples=[2027])
    end_year: int = Field(examples=[2030])
    name: str = Field(examples=["Mandatperiod 2027–2030"])
    length_decision: Decision | None = Field(description="The decision behind a term of another length than the configured one")
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from goals_service.indicators.schemas import Value
from styrkedjan_common.schemas import InputModel, TrackedRead

MunicipalityId = Annotated[str, Field(pattern=r"^\d{4}$", examples=["1960"])]


class KoladaGender(StrEnum):
    T = "T"  # total
    K = "K"  # women
    M = "M"  # men


class KoladaSyncMode(StrEnum):
    INCREMENTAL = "INCREMENTAL"  # what changed since the last successful sync (a key figure new to the sync is read whole)
    FULL = "FULL"  # every year the sync reads, again


class KoladaSyncRequest(InputModel):
    mode: KoladaSyncMode = Field(
        examples=["INCREMENTAL"], description="INCREMENTAL: since the last successful sync; FULL: every year again"
    )
    dry_run: bool = Field(default=False, description="Answer what the sync would change without writing it")


class PeerGroupContent(InputModel):
    name: str = Field(min_length=1, max_length=200, examples=["Liknande kommuner, grundskola"])
    description: str = Field(default="", max_length=2000)


class PeerGroupCreate(PeerGroupContent):
    """Either the municipalities by Kolada's ids, or one of Kolada's municipality groups to start from."""

    municipality_ids: list[MunicipalityId] | None = Field(default=None, min_length=1, max_length=300, examples=[["1960", "1962", "1980"]])
    kolada_group_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9_-]+$",
        examples=["G33768"],
        description="One of Kolada's municipality groups (municipality_groups): its members become the group's municipalities",
    )

    @model_validator(mode="after")
    def _one_source(self) -> "PeerGroupCreate":
        if (self.municipality_ids is None) == (self.kolada_group_id is None):
            raise ValueError("give either municipality_ids or kolada_group_id")
        return self


class PeerGroupUpdate(InputModel):
    """Fields left out are unchanged."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    municipality_ids: list[MunicipalityId] | None = Field(default=None, min_length=1, max_length=300)


class PeerGroupRead(TrackedRead):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: uuid.UUID
    name: str
    description: str
    municipality_ids: list[str]
    kolada_group_id: str | None


class MunicipalityValue(BaseModel):
    id: str = Field(examples=["1960"])
    name: str = Field(examples=["Kungsör"])
    value: Value | None = Field(description="Null when Kolada has no value (missing, not zero)")
    status: str = Field(description="Kolada's status of the value, as Kolada gives it")


class YearComparison(BaseModel):
    year: int
    ours: MunicipalityValue
    peers: list[MunicipalityValue] = Field(description="The group's municipalities other than ours, by id")
    median: Value | None = Field(description="Median of the group's values including ours; missing values left out")
    rank: int | None = Field(description="Our place among the values (1 = best; ties share a place); null when ours is missing")
    ranked: int = Field(description="How many municipalities have a value and are ranked")


class KoladaComparison(BaseModel):
    kpi: str = Field(examples=["N15428"])
    indicator_id: uuid.UUID | None
    name: str
    peer_group_id: uuid.UUID
    gender: KoladaGender
    direction: str | None = Field(description="The catalogue's direction used to rank; null: higher ranks first")
    median_includes_ours: bool = Field(default=True, description="The median is over the whole group, ours included")
    years: list[YearComparison]


class FactorKeyFigure(BaseModel):
    indicator_use_id: uuid.UUID
    comparison: KoladaComparison


class FactorComparison(BaseModel):
    quality_factor_id: uuid.UUID
    key_figures: list[FactorKeyFigure]

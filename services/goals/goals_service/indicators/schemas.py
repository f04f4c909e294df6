import re
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, computed_field

from goals_service.indicators.status import Direction, TargetStatus, Trend
from goals_service.units import UNIT_NAME, name_of
from styrkedjan_common.org_units import OrgUnitName
from styrkedjan_common.schemas import InputModel, TrackedRead

# Kolada's key figure ids: N (municipality) or U (organisational unit) and five digits.
KOLADA_KPI_ID = r"^[NU]\d{5}$"


class Frequency(StrEnum):
    YEARLY = "YEARLY"
    TERTIAL = "TERTIAL"
    QUARTERLY = "QUARTERLY"
    MONTHLY = "MONTHLY"


class Source(StrEnum):
    INTERNAL = "INTERNAL"
    KOLADA = "KOLADA"


def plain_decimal(value: Decimal) -> Decimal:
    """The database hands values back with six decimals; "87.500000" reads as "87.5", "100.000000" as "100"."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


# A value sent as text: a decimal point or, as Swedish writes it, a decimal comma ("84,2").
DECIMAL_TEXT = r"^-?\d{1,14}([.,]\d{1,6})?$"
_COMMA = re.compile(r"-?\d+,\d+")


def decimal_comma(value: Any) -> Any:
    """ "84,2" is 84.2: a decimal comma is read as the decimal point."""
    if isinstance(value, str) and _COMMA.fullmatch(value):
        return value.replace(",", ".")
    return value


def _text_pattern(schema: dict[str, Any]) -> None:
    # The digits are said by the pattern; pydantic's own keywords for them are not JSON Schema.
    schema.pop("max_digits", None)
    schema.pop("decimal_places", None)
    for option in schema.get("anyOf", []):
        if option.get("type") == "string":
            option["pattern"] = DECIMAL_TEXT


# Exact decimals, sent and returned as JSON strings ("87.5", or "87,5" with a decimal comma); a
# JSON number is accepted too.
Value = Annotated[
    Decimal,
    BeforeValidator(decimal_comma),
    Field(max_digits=20, decimal_places=6, examples=["87.5"], json_schema_extra=_text_pattern),
    AfterValidator(plain_decimal),
]
Sdg = Annotated[int, Field(ge=1, le=17)]
CodeKey = Annotated[str, Field(min_length=1, max_length=50)]
CodeValue = Annotated[str, Field(max_length=100)]


def _distinct_sorted(sdgs: list[int]) -> list[int]:
    return sorted(set(sdgs))


Sdgs = Annotated[list[Sdg], Field(max_length=17, examples=[[4, 10]]), AfterValidator(_distinct_sorted)]
ExternalCodes = Annotated[dict[CodeKey, CodeValue], Field(max_length=20, examples=[{"stratsys": "KPI-0042"}])]


# --- catalogue ----------------------------------------------------------------------------


class IndicatorContent(InputModel):
    name: str = Field(min_length=1, max_length=300, examples=["Andel elever i åk 9 som är behöriga till gymnasiet"])
    definition: str = Field(default="", max_length=5000, examples=["Elever i åk 9 behöriga till yrkesprogram, andel (%)."])
    unit: str = Field(min_length=1, max_length=50, examples=["%"])
    direction: Direction
    frequency: Frequency
    source: Source = Source.INTERNAL
    kolada_kpi_id: str | None = Field(
        default=None, pattern=KOLADA_KPI_ID, examples=["N15419"], description="Required when source is KOLADA"
    )
    gender_split: bool = Field(default=False, description="Whether values are recorded by women and men (T/K/M)")
    sdgs: Sdgs = Field(default_factory=list)
    external_codes: ExternalCodes = Field(default_factory=dict)


class IndicatorCreate(IndicatorContent):
    pass


class IndicatorUpdate(InputModel):
    """Fields left out are unchanged; kolada_kpi_id may be cleared with null."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    definition: str | None = Field(default=None, max_length=5000)
    unit: str | None = Field(default=None, min_length=1, max_length=50)
    direction: Direction | None = None
    frequency: Frequency | None = None
    source: Source | None = None
    kolada_kpi_id: str | None = Field(default=None, pattern=KOLADA_KPI_ID)
    gender_split: bool | None = None
    sdgs: Sdgs | None = None
    external_codes: ExternalCodes | None = None


class IndicatorRead(IndicatorContent, TrackedRead):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: uuid.UUID


# --- indicators in use --------------------------------------------------------------------


class Thresholds(InputModel):
    near_target_share: Annotated[
        Decimal, Field(gt=0, lt=1, max_digits=7, decimal_places=6, examples=["0.9"]), AfterValidator(plain_decimal)
    ] = Field(description="Share of the target that counts as nearly met (0.9: 90 % of a higher-is-better target)")


class IndicatorUseCreate(InputModel):
    """Follows an indicator for exactly one goal or one quality factor, in one org unit."""

    indicator_id: uuid.UUID
    org_unit_id: uuid.UUID
    goal_id: uuid.UUID | None = Field(default=None, description="Any revision of the goal; the use follows the goal's lineage")
    quality_factor_id: uuid.UUID | None = None
    responsible: str = Field(default="", max_length=200, examples=["Rektor, Nyhemsskolan"])
    thresholds: Thresholds | None = Field(default=None, description="Left out: the service's default near-target share")


class IndicatorUseUpdate(InputModel):
    """Fields left out are unchanged; thresholds null returns to the service's default."""

    responsible: str | None = Field(default=None, max_length=200)
    thresholds: Thresholds | None = None


class LatestOutcome(BaseModel):
    """The most recent outcome against its year's target, and its trend against the period before."""

    period: str = Field(examples=["2027-T2"])
    total: Value | None
    women: Value | None
    men: Value | None
    target: Value | None = Field(description="The total of that year's target, if one is set")
    status: TargetStatus
    trend: Trend


class IndicatorUseRead(TrackedRead):
    id: uuid.UUID
    indicator_id: uuid.UUID
    org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def org_unit(self) -> OrgUnitName | None:
        return name_of(self.org_unit_id)

    goal_lineage_id: uuid.UUID | None
    quality_factor_id: uuid.UUID | None
    responsible: str
    thresholds: Thresholds | None
    latest: LatestOutcome | None = Field(default=None, description="Absent until an outcome is recorded")


# --- targets and outcomes -----------------------------------------------------------------


class GenderValues(InputModel):
    """Total, women and men (T/K/M); at least one of them."""

    total: Value | None = None
    women: Value | None = None
    men: Value | None = None
    comment: str = Field(default="", max_length=2000)


class IndicatorTargetPut(GenderValues):
    pass


class IndicatorOutcomePut(GenderValues):
    source: str = Field(default="", max_length=200, examples=["Kolada, uttag 2028-03-01"])


class IndicatorTargetRead(TrackedRead):
    id: uuid.UUID
    use_id: uuid.UUID
    year: int
    total: Value | None
    women: Value | None
    men: Value | None
    comment: str


class IndicatorOutcomeRead(TrackedRead):
    id: uuid.UUID
    use_id: uuid.UUID
    period: str = Field(examples=["2027-T2"])
    year: int
    period_index: int = Field(description="The month the period ends (T2: 8, Q3: 9, a year: 12)")
    total: Value | None
    women: Value | None
    men: Value | None
    comment: str
    source: str

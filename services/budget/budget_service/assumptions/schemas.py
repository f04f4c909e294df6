import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic.fields import FieldInfo

from budget_service.money import Money, decimal_string_schema
from styrkedjan_common.csv_text import MAX_LISTED_ERRORS
from styrkedjan_common.years import year_query

DEFAULT_INDEX = "PKV"


def parse_decimal(value: Any, *, places: int, minimum: Decimal | None = None, maximum: Decimal | None = None) -> Decimal:
    """A decimal string (a JSON number has already lost exactness) with at most `places` decimals."""
    if not isinstance(value, str | Decimal):
        raise ValueError('a decimal is sent as a string such as "2.7", not a JSON number')
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError("a decimal is a finite number")
    if number.as_tuple().exponent < -places:  # type: ignore[operator]  # a finite number's exponent is an int, never "n"/"N"/"F"
        raise ValueError(f"at most {places} decimals")
    if minimum is not None and number < minimum:
        raise ValueError(f"must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise ValueError(f"must be at most {maximum}")
    return number


def plain_decimal(number: Decimal) -> str:
    """Without trailing zeros or exponent: "2.7", "1050", "0.954"."""
    return format(number.normalize(), "f")


def exact_decimal(
    places: int, example: str, minimum: str | None = None, maximum: str | None = None
) -> tuple[BeforeValidator, PlainSerializer, FieldInfo]:
    """The metadata of an exact decimal sent as a string, for `Annotated[Decimal, *exact_decimal(...)]`
    (unpacked, so the checker sees a type alias and pydantic the same three annotations)."""
    low = Decimal(minimum) if minimum is not None else None
    high = Decimal(maximum) if maximum is not None else None
    return (
        BeforeValidator(lambda v: parse_decimal(v, places=places, minimum=low, maximum=high)),
        PlainSerializer(plain_decimal, return_type=str, when_used="json"),
        Field(examples=[example], json_schema_extra=decimal_string_schema("+", places, minimum, maximum)),
    )


# Inhabitants of an age class; a forecast need not be whole persons.
Count = Annotated[Decimal, *exact_decimal(2, "1050", minimum="0", maximum="999999999999")]
# A percentage such as PKV's "2.7" (per cent, not a fraction).
Percent = Annotated[Decimal, *exact_decimal(4, "2.7", minimum="-100", maximum="100")]
# Planning assumptions reach further than plans: price indices back to their base years, population
# forecasts decades ahead. A year or an age in a query has the same domain as in a row.
FIRST_YEAR, LAST_YEAR = 1900, 2200
FIRST_AGE, LAST_AGE = 0, 130
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR, examples=[2027])]
Age = Annotated[int, Field(ge=FIRST_AGE, le=LAST_AGE, examples=[1])]
YearFilter = Annotated[int | None, year_query(first=FIRST_YEAR, last=LAST_YEAR)]
AgeFilter = Annotated[int | None, Query(ge=FIRST_AGE, le=LAST_AGE, examples=[1])]


def age_class(age_from: int | None, age_to: int | None) -> str:
    if age_from is None:
        return "the whole population"
    return f"ages {age_from}+" if age_to is None else f"ages {age_from}–{age_to}"


class TaxKind(StrEnum):
    TAX = "TAX"
    GRANTS = "GRANTS"
    EQUALISATION = "EQUALISATION"


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PopulationForecastRead(ReadModel):
    id: uuid.UUID
    publication_date: dt.date = Field(description="The forecast's as-of date")
    source: str = Field(examples=["SCB befolkningsprognos"])
    year: Year = Field(description="The forecast is for 31 December of this year")
    age_from: Age
    age_to: Age | None = Field(description="Null: this age and older")
    count: Count
    updated_at: dt.datetime


class TaxForecastRead(ReadModel):
    id: uuid.UUID
    publication_date: dt.date
    source: str = Field(examples=["SKR cirkulär 26:12"])
    year: Year
    kind: TaxKind
    amount: Money
    updated_at: dt.datetime


class PriceIndexRead(ReadModel):
    id: uuid.UUID
    index_name: str = Field(examples=[DEFAULT_INDEX])
    publication_date: dt.date
    year: Year
    pct_change: Percent
    component: str | None = Field(description="Null: the index as a whole")
    updated_at: dt.datetime


class Publication(BaseModel):
    """One publication (forecast or index release) as stored: which years it covers and how many rows."""

    index_name: str | None = Field(default=None, description="Price indices only")
    publication_date: dt.date
    sources: list[str]
    rows: int
    first_year: int
    last_year: int


class ImportChange(BaseModel):
    line: int = Field(description="The CSV line (the header is line 1)")
    key: dict[str, Any] = Field(examples=[{"publication_date": "2026-03-01", "year": 2027, "age_from": 1, "age_to": 5}])
    before: dict[str, str]
    after: dict[str, str]


class ImportResult(BaseModel):
    """All rows were stored or none: a file with a bad row is refused as a whole."""

    import_id: uuid.UUID = Field(description="Names the import in the audit trail")
    rows: int
    created: int
    unchanged: int
    updated: list[ImportChange] = Field(
        description=f"Rows already stored under the same key whose values the file changed: the first {MAX_LISTED_ERRORS} "
        "(the import's audit event has them all)"
    )
    updated_count: int = Field(description="How many stored rows the file changed", examples=[3])

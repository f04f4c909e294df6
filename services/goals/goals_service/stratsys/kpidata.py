"""Stratsys's KPI data files as text, knowing nothing of the database: layout 1, the row-wise
integration file (`date;unit_code;kpi_code;column_code;value`, `;`, an optional header line), and
layout 2, the manual file (unit name, date, measure name, value; tab-separated, no header).

Reading turns a line into its fields with every fault of its own (field count, date, value);
what the fields name (units, indicators, uses) is resolved by the service. Values take `.` or `,`
as the decimal separator; an empty value is no value, and its line is skipped. Writing formats the
lines of an export: each period's last day, values with a decimal point, as short as they are.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import IO

from goals_service.indicators.schemas import Frequency, plain_decimal
from goals_service.indicators.service import PERIOD_ENDS
from styrkedjan_common.csv_text import UNDECODABLE, UNDECODABLE_DETAIL
from styrkedjan_common.text import NUL_DETAIL, holds_nul
from styrkedjan_common.years import FIRST_YEAR, LAST_YEAR


class KpiFileLayout(StrEnum):
    ROWWISE = "rowwise"  # layout 1
    MANUAL = "manual"  # layout 2


class Measure(StrEnum):
    """What a value is part of, named as the job counts it."""

    OUTCOME = "indicator_outcome"
    TARGET = "indicator_target"


COMPONENTS = ("total", "women", "men")
ROWWISE_COLUMNS = ("date", "unit_code", "kpi_code", "column_code", "value")
MANUAL_COLUMNS = ("unit_name", "date", "measure_name", "value")
MEDIA_TYPES = {KpiFileLayout.ROWWISE: "text/csv", KpiFileLayout.MANUAL: "text/tab-separated-values"}
DELIMITERS = {KpiFileLayout.ROWWISE: ";", KpiFileLayout.MANUAL: "\t"}
# Layout 2 carries one value a line: the period's total outcome.
MANUAL_VALUE = (Measure.OUTCOME, "total")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# At most 14 digits before the separator and 6 after: what an indicator value holds (Numeric(20, 6)).
_VALUE = re.compile(r"-?(\d{1,14})(?:[.,](\d{1,6}))?")
SCALE = 10**6  # values are read as integers of millionths (six decimals, as stored)
VALUE_FORM = "a decimal number with '.' or ',' and at most six decimals, e.g. 84,2"


@dataclass(frozen=True, slots=True)
class ColumnMeaning:
    measure: Measure
    component: str


def column_meanings(setting: dict[str, str]) -> dict[str, ColumnMeaning]:
    """The measure columns as the settings map them ("UTFALL_K": "outcome.women")."""
    meanings = {}
    for column, meaning in setting.items():
        kind, _, component = meaning.partition(".")
        if kind not in ("outcome", "target") or component not in COMPONENTS:
            raise ValueError(f"stratsys_kpi_columns: {column} maps to {meaning!r}, not outcome|target . total|women|men")
        meanings[column.strip().upper()] = ColumnMeaning(Measure.OUTCOME if kind == "outcome" else Measure.TARGET, component)
    return meanings


@dataclass(slots=True)
class Line:
    """One line's fields as read, or its faults. `unit` and `measure` are codes (layout 1) or names
    (layout 2); `value` is in millionths (six decimals, as stored), None for an empty value (the
    line is skipped)."""

    number: int
    unit: str = ""
    measure: str = ""
    column: str = ""
    day: dt.date | None = None
    value: int | None = None
    problems: tuple[str, ...] = ()


@lru_cache(maxsize=8192)
def parse_date(text: str) -> dt.date | str:
    """The date, or what is wrong with it (a file holds few distinct dates: they are remembered)."""
    if _DATE.fullmatch(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if FIRST_YEAR <= day.year <= LAST_YEAR:
                return day
    return f"date {text!r} is not a date YYYY-MM-DD in {FIRST_YEAR}–{LAST_YEAR}"


def parse_value(text: str) -> int | None | str:
    """The value in millionths (None when empty), or what is wrong with it."""
    if not text:
        return None
    match = _VALUE.fullmatch(text)
    if match is None:
        return f"value {text!r} is not a number: {VALUE_FORM}"
    whole, fraction = match.group(1), match.group(2) or ""
    scaled = int(whole) * SCALE + int(fraction.ljust(6, "0"))
    return -scaled if text[0] == "-" else scaled


def to_decimal(millionths: int) -> Decimal:
    return plain_decimal(Decimal(millionths).scaleb(-6))


def _checked_fields(columns: tuple[str, ...], values: list[str]) -> list[str]:
    return [f"{name}: {NUL_DETAIL}" for name, value in zip(columns, values, strict=True) if holds_nul(value)] + [
        f"{name}: {UNDECODABLE_DETAIL}" for name, value in zip(columns, values, strict=True) if UNDECODABLE in value
    ]


def _line(number: int, layout: KpiFileLayout, fields: list[str]) -> Line:
    columns = ROWWISE_COLUMNS if layout == KpiFileLayout.ROWWISE else MANUAL_COLUMNS
    if len(fields) != len(columns):
        return Line(number, problems=(f"expected {len(columns)} fields ({', '.join(columns)}), found {len(fields)}",))
    values = [field.strip() for field in fields]
    joined = "".join(values)
    if "\x00" in joined or UNDECODABLE in joined:
        return Line(number, problems=tuple(_checked_fields(columns, values)))
    if layout == KpiFileLayout.ROWWISE:
        date_text, unit, measure, column, value_text = values
    else:
        unit, date_text, measure, value_text = values
        column = ""
    day = parse_date(date_text)
    value = parse_value(value_text)
    problems = [problem for problem in (day, value) if isinstance(problem, str)]
    if not unit:
        problems.append("the unit is missing")
    if not measure:
        problems.append("the KPI is missing" if layout == KpiFileLayout.ROWWISE else "the measure is missing")
    if layout == KpiFileLayout.ROWWISE and not column:
        problems.append("the column_code is missing")
    return Line(
        number,
        unit,
        measure,
        column.upper(),
        day if isinstance(day, dt.date) else None,
        value if isinstance(value, int) else None,
        tuple(problems),
    )


def _is_header(fields: list[str]) -> bool:
    return [field.strip().lower() for field in fields] == list(ROWWISE_COLUMNS)


def read_lines(text: IO[str], layout: KpiFileLayout) -> Iterator[Line]:
    """Every line of the file that is not blank (nor layout 1's header), in order. Blocking: the
    caller runs it in a worker thread. A line break inside quotes (layout 1) is CSV's own."""
    # Layout 2 has no quoting: a name may hold a quote character as it is.
    if layout == KpiFileLayout.ROWWISE:
        reader = csv.reader(text, delimiter=DELIMITERS[layout])
    else:
        reader = csv.reader(text, delimiter=DELIMITERS[layout], quoting=csv.QUOTE_NONE)
    first = True
    try:
        for fields in reader:
            if not fields or all(not field.strip() for field in fields):
                first = False
                continue
            if first and layout == KpiFileLayout.ROWWISE and _is_header(fields):
                first = False
                continue
            first = False
            yield _line(reader.line_num, layout, fields)
    except csv.Error as exc:  # e.g. a field past the CSV module's limit: the rest cannot be read
        yield Line(
            reader.line_num, problems=(f"not readable as {'CSV' if layout == KpiFileLayout.ROWWISE else 'tab-separated text'}: {exc}",)
        )


# --- periods ------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def period_number(frequency: str, month: int) -> int:
    """The position, within its year, of the period of `frequency` holding `month` (from 0)."""
    ends = list(PERIOD_ENDS[Frequency(frequency)].values())
    return next(number for number, end in enumerate(ends) if month <= end)


@lru_cache(maxsize=8192)
def period_of(frequency: str, year: int, number: int) -> tuple[str, int]:
    """The period's name ("2027-T1") and the month it ends."""
    suffix, end = list(PERIOD_ENDS[Frequency(frequency)].items())[number]
    return f"{year}{suffix}", end


def last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def format_value(value: Decimal) -> str:
    return format(plain_decimal(value), "f")

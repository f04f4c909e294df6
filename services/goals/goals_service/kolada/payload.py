"""Kolada's JSON documents read into plain records, the same whether they came from its API or
from a file: KPI metadata, municipalities, and data rows (values per gender of one key figure, one
municipality and one year). Every row that does not fit is listed with its place in the document."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from styrkedjan_common.years import FIRST_YEAR, LAST_YEAR

GENDERS = ("T", "K", "M")
KPI_ID = re.compile(r"^[NU]\d{5}$")
MUNICIPALITY_ID = re.compile(r"^\d{4}$")
# Where a KPI's metadata may link it to Agenda 2030's goals (not every payload carries them).
SDG_FIELDS = ("sdgs", "sdg", "agenda2030", "agenda_2030")
MAX_LISTED = 1000
SIX_DECIMALS = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class KpiMeta:
    id: str
    title: str
    description: str
    gender_split: bool
    sdgs: list[int] | None  # None: the metadata says nothing of Agenda 2030


@dataclass(frozen=True, slots=True)
class Municipality:
    id: str
    title: str
    type: str


@dataclass(frozen=True, slots=True)
class GenderValue:
    gender: str
    value: Decimal | None  # None: missing, never zero
    status: str
    count: int | None


@dataclass(frozen=True, slots=True)
class DataRow:
    kpi: str
    municipality: str
    year: int
    deleted: bool
    values: tuple[GenderValue, ...] = ()


@dataclass
class Errors:
    """What did not fit, with its JSON pointer; the count goes on past the listed ones."""

    listed: list[dict[str, str]] = field(default_factory=list)
    count: int = 0

    def add(self, pointer: str, detail: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED:
            self.listed.append({"pointer": pointer, "detail": detail})


def envelope_values(document: Any, errors: Errors) -> list[Any]:
    """The `values` of Kolada's envelope {"count", "values", "next_url"}."""
    if not isinstance(document, dict) or not isinstance(document.get("values"), list):
        errors.add("#/values", "expected Kolada's envelope: an object with a list under 'values'")
        return []
    return list(document["values"])


def kind_of(rows: list[Any]) -> str | None:
    """Which of Kolada's documents the rows are: "data", "kpi" or "municipality" (None when empty or unknown)."""
    first = next((row for row in rows if isinstance(row, dict)), None)
    if first is None:
        return None
    if "kpi" in first and "municipality" in first:
        return "data"
    if "is_divided_by_gender" in first or "operating_area" in first or "publ_period" in first:
        return "kpi"
    if "id" in first and "title" in first and "type" in first:
        return "municipality"
    return None


def _text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return value if isinstance(value, str) else ""


def _sdgs(row: dict[str, Any]) -> list[int] | None:
    for name in SDG_FIELDS:
        if name in row and row[name] is not None:
            raw = row[name] if isinstance(row[name], list) else [row[name]]
            goals: set[int] = set()
            for item in raw:
                # "4", 4, "4.1", "Mål 4" or {"id": 4}: the goal's number
                text = str(item.get("id", item.get("goal", ""))) if isinstance(item, dict) else str(item)
                match = re.search(r"\d+", text)
                if match and 1 <= int(match.group()) <= 17:
                    goals.add(int(match.group()))
            return sorted(goals)
    return None


def kpi_metas(rows: list[Any], errors: Errors, base: str = "#/values") -> list[KpiMeta]:
    metas: list[KpiMeta] = []
    for index, row in enumerate(rows):
        pointer = f"{base}/{index}"
        if not isinstance(row, dict):
            errors.add(pointer, "expected an object")
            continue
        kpi_id, title = row.get("id"), row.get("title")
        if not isinstance(kpi_id, str) or not KPI_ID.match(kpi_id):
            errors.add(f"{pointer}/id", f"expected a Kolada key figure id such as N15428, not {kpi_id!r}")
            continue
        if not isinstance(title, str) or not title.strip():
            errors.add(f"{pointer}/title", "expected the key figure's title")
            continue
        split = row.get("is_divided_by_gender")
        metas.append(KpiMeta(kpi_id, title.strip()[:300], _text(row, "description")[:5000], split is True, _sdgs(row)))
    return metas


def municipalities(rows: list[Any], errors: Errors, base: str = "#/values") -> list[Municipality]:
    found: list[Municipality] = []
    for index, row in enumerate(rows):
        pointer = f"{base}/{index}"
        if not isinstance(row, dict):
            errors.add(pointer, "expected an object")
            continue
        municipality_id, title = row.get("id"), row.get("title")
        if not isinstance(municipality_id, str) or not MUNICIPALITY_ID.match(municipality_id):
            errors.add(f"{pointer}/id", f"expected a municipality's four-digit id such as 1961, not {municipality_id!r}")
            continue
        if not isinstance(title, str) or not title.strip():
            errors.add(f"{pointer}/title", "expected the municipality's name")
            continue
        found.append(Municipality(municipality_id, title.strip()[:200], _text(row, "type")[:5]))
    return found


def _year(period: Any) -> int | None:
    """The period as a year: an integer in v3, a string in older payloads."""
    if isinstance(period, bool):
        return None
    if isinstance(period, int):
        year = period
    elif isinstance(period, str) and period.strip().isascii() and period.strip().isdigit():
        year = int(period.strip())
    else:
        return None
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def _value(raw: Any) -> Decimal | None:
    if raw is None or isinstance(raw, bool):
        raise ValueError
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValueError from exc
    if not value.is_finite() or abs(value) >= Decimal(10) ** 14:
        raise ValueError
    # Six decimals, as the catalogue's values keep (Kolada's have one or two).
    return value.quantize(SIX_DECIMALS)


def _gender_values(raw: Any, pointer: str, errors: Errors) -> tuple[GenderValue, ...] | None:
    if not isinstance(raw, list):
        errors.add(pointer, "expected a list of values by gender")
        return None
    found: dict[str, GenderValue] = {}
    ok = True
    for index, item in enumerate(raw):
        here = f"{pointer}/{index}"
        if not isinstance(item, dict):
            errors.add(here, "expected an object with gender, value, status and count")
            ok = False
            continue
        gender = item.get("gender")
        if gender not in GENDERS:
            errors.add(f"{here}/gender", f"expected T, K or M, not {gender!r}")
            ok = False
            continue
        if gender in found:
            errors.add(f"{here}/gender", f"{gender} is given twice")
            ok = False
            continue
        value: Decimal | None = None
        if item.get("value") is not None:
            try:
                value = _value(item["value"])
            except ValueError:
                errors.add(f"{here}/value", f"expected a number or null (missing), not {item['value']!r}")
                ok = False
                continue
        count = item.get("count")
        status = item.get("status")
        found[gender] = GenderValue(
            gender,
            value,
            status[:40] if isinstance(status, str) else "",
            count if isinstance(count, int) and not isinstance(count, bool) else None,
        )
    return tuple(found[g] for g in GENDERS if g in found) if ok else None


def data_rows(rows: list[Any], errors: Errors, base: str = "#/values") -> list[DataRow]:
    found: list[DataRow] = []
    for index, row in enumerate(rows):
        pointer = f"{base}/{index}"
        if not isinstance(row, dict):
            errors.add(pointer, "expected an object")
            continue
        kpi, municipality = row.get("kpi"), row.get("municipality")
        year = _year(row.get("period"))
        bad = False
        if not isinstance(kpi, str) or not KPI_ID.match(kpi):
            errors.add(f"{pointer}/kpi", f"expected a Kolada key figure id such as N15428, not {kpi!r}")
            bad = True
        if not isinstance(municipality, str) or not MUNICIPALITY_ID.match(municipality):
            errors.add(f"{pointer}/municipality", f"expected a municipality's four-digit id such as 1961, not {municipality!r}")
            bad = True
        if year is None:
            errors.add(
                f"{pointer}/period", f"expected a year ({FIRST_YEAR}–{LAST_YEAR}) as a number or a string, not {row.get('period')!r}"
            )
            bad = True
        if row.get("isdeleted") is True:
            if not bad:
                found.append(DataRow(str(kpi), str(municipality), int(year or 0), True))
            continue
        values = _gender_values(row.get("values", []), f"{pointer}/values", errors)
        if not bad and values is not None:
            found.append(DataRow(str(kpi), str(municipality), int(year or 0), False, values))
    return found

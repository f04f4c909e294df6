"""The rules of the planning assumptions: written by the council for the whole municipality, read by
everyone; forecasts and indices come in as CSV files, whole or not at all, and re-importing a file
changes only what the file changed."""

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.assumptions import repository
from budget_service.assumptions.csv_import import Column, CsvRow, Layout, integer, iso_date, read_rows, text
from budget_service.assumptions.models import PopulationForecast, PriceIndex, TaxForecast
from budget_service.assumptions.schemas import (
    DEFAULT_INDEX,
    FIRST_AGE,
    FIRST_YEAR,
    LAST_AGE,
    LAST_YEAR,
    ImportChange,
    ImportResult,
    Publication,
    TaxKind,
    parse_decimal,
    plain_decimal,
)
from budget_service.db import auditor
from budget_service.money import parse_money
from styrkedjan_common.csv_text import MAX_LISTED_ERRORS
from styrkedjan_common.http import cursor_values, decode_cursor, page_of
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.problems import Forbidden


def ensure_council(principal: Principal, what: str) -> None:
    """Planning assumptions and the model are the council's, for the whole municipality at once."""
    if not principal.has_any_role((Role.FULLMAKTIGE,)):
        raise Forbidden(f"only fullmaktige writes {what}")
    if principal.scope_of((Role.FULLMAKTIGE,)) is not None:
        raise Forbidden(f"only fullmaktige with the whole municipality in scope writes {what}")


# --- CSV datasets ------------------------------------------------------------------------------


def _ages_in_order(values: dict[str, Any]) -> list[tuple[str, str]]:
    if values["age_to"] is not None and values["age_to"] < values["age_from"]:
        return [("age_to", f"{values['age_to']} is below age_from {values['age_from']}")]
    return []


def _decimal(places: int, minimum: str | None = None, maximum: str | None = None) -> Callable[[str], Decimal]:
    low = Decimal(minimum) if minimum is not None else None
    high = Decimal(maximum) if maximum is not None else None
    return lambda raw: parse_decimal(raw, places=places, minimum=low, maximum=high)


def _kind(raw: str) -> str:
    try:
        return TaxKind(raw.upper()).value
    except ValueError:
        raise ValueError(f"{raw!r} is not one of {', '.join(TaxKind)}") from None


_PUBLICATION = Column("publication_date", iso_date)
_SOURCE = Column("source", text(200))
_YEAR = Column("year", integer(FIRST_YEAR, LAST_YEAR))


@dataclass(frozen=True)
class Dataset:
    entity: str
    what: str  # in refusals: "only fullmaktige writes …"
    model: type[PopulationForecast] | type[TaxForecast] | type[PriceIndex]
    layout: Layout
    # The values a re-import may change for an existing key, and how each is shown.
    values: tuple[str, ...]


POPULATION = Dataset(
    entity="population_forecast",
    what="population forecasts",
    model=PopulationForecast,
    layout=Layout(
        columns=(
            _PUBLICATION,
            _SOURCE,
            _YEAR,
            Column("age_from", integer(FIRST_AGE, LAST_AGE)),
            Column("age_to", integer(FIRST_AGE, LAST_AGE), optional=True),
            Column("count", _decimal(2, minimum="0", maximum="999999999999")),
        ),
        key=("publication_date", "year", "age_from", "age_to"),
        check=_ages_in_order,
    ),
    values=("source", "count"),
)
TAX = Dataset(
    entity="tax_forecast",
    what="tax and grant forecasts",
    model=TaxForecast,
    layout=Layout(
        columns=(_PUBLICATION, _SOURCE, _YEAR, Column("kind", _kind), Column("amount", parse_money)),
        key=("publication_date", "year", "kind"),
    ),
    values=("source", "amount"),
)
PRICE = Dataset(
    entity="price_index",
    what="price indices",
    model=PriceIndex,
    layout=Layout(
        columns=(
            Column("index_name", text(40), optional=True, default=DEFAULT_INDEX),
            _PUBLICATION,
            _YEAR,
            Column("pct_change", _decimal(4, minimum="-100", maximum="100")),
            Column("component", text(100), optional=True),
        ),
        key=("index_name", "publication_date", "year", "component"),
    ),
    values=("pct_change",),
)


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value)


def _key_of(row: Any, key: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in key)


async def import_csv(session: AsyncSession, principal: Principal, dataset: Dataset, csv_text: str, settings: Any) -> ImportResult:
    """Store a file's rows: new keys are added, changed values updated and reported, the rest untouched."""
    ensure_council(principal, dataset.what)
    rows: list[CsvRow] = read_rows(csv_text, dataset.layout, settings.assumptions_import_max_rows)
    key = dataset.layout.key
    stored = {
        _key_of(row, key): row
        for row in await repository.stored_for_publications(session, dataset.model, {r.values["publication_date"] for r in rows})
    }
    created, unchanged, updated = 0, 0, []
    for row in rows:
        existing = stored.get(tuple(row.values[name] for name in key))
        if existing is None:
            session.add(dataset.model(**row.values, created_by=principal.user_id, updated_by=principal.user_id))
            created += 1
            continue
        changed = [name for name in dataset.values if getattr(existing, name) != row.values[name]]
        if not changed:
            unchanged += 1
            continue
        updated.append(
            ImportChange(
                line=row.line,
                key={name: _shown(row.values[name]) if row.values[name] is not None else None for name in key},
                before={name: _shown(getattr(existing, name)) for name in changed},
                after={name: _shown(row.values[name]) for name in changed},
            )
        )
        for name in changed:
            setattr(existing, name, row.values[name])
        existing.updated_by = principal.user_id
    await session.flush()
    result = ImportResult(
        import_id=uuid.uuid4(), rows=len(rows), created=created, unchanged=unchanged, updated=updated, updated_count=len(updated)
    )
    # The audit trail keeps every change; the answer lists as many as a refusal lists faults.
    auditor.record(session, principal, "IMPORT", dataset.entity, result.import_id, after=result.model_dump(mode="json"))
    return result.model_copy(update={"updated": updated[:MAX_LISTED_ERRORS]})


def publication(row: tuple[Any, ...], with_index: bool) -> Publication:
    if with_index:
        publication_date, index_name, rows, first_year, last_year, sources = row
    else:
        publication_date, rows, first_year, last_year, sources = row
        index_name = None
    return Publication(
        index_name=index_name, publication_date=publication_date, sources=sources, rows=rows, first_year=first_year, last_year=last_year
    )


# --- lists -------------------------------------------------------------------------------------

_ORDERS: dict[str, tuple[str, ...]] = {
    POPULATION.entity: ("publication_date", "year", "age_from", "id"),
    TAX.entity: ("publication_date", "year", "kind", "id"),
    PRICE.entity: ("index_name", "publication_date", "year", "id"),
}
_CURSOR_PARSERS: dict[str, Callable[[Any], Any]] = {
    "publication_date": dt.date.fromisoformat,
    "index_name": str,
    "year": int,
    "age_from": int,
    "kind": str,
    "id": uuid.UUID,
}


async def list_page(
    session: AsyncSession, dataset: Dataset, filters: dict[str, Any], cursor: str | None, limit: int
) -> tuple[Sequence[PopulationForecast | TaxForecast | PriceIndex], str | None]:
    """A page of a dataset's rows in a stable order, filtered by the given column values."""
    names = _ORDERS[dataset.entity]
    decoded = decode_cursor(cursor)
    after = cursor_values(decoded, **{name: _CURSOR_PARSERS[name] for name in names}) if decoded else None
    model = dataset.model
    conditions = [getattr(model, name) == value for name, value in filters.items() if value is not None]
    rows = await repository.page(session, model, [getattr(model, name) for name in names], conditions, after, limit + 1)
    return page_of(rows, limit, lambda last: {name: str(getattr(last, name)) for name in names})


async def publications_page(
    session: AsyncSession, dataset: Dataset, cursor: str | None, limit: int
) -> tuple[Sequence[Publication], str | None]:
    with_index = dataset.model is PriceIndex
    names = ("publication_date", "index_name") if with_index else ("publication_date",)
    decoded = decode_cursor(cursor)
    before = cursor_values(decoded, **{name: _CURSOR_PARSERS[name] for name in names}) if decoded else None
    rows = await repository.publications(session, dataset.model, before, limit + 1)
    items = [publication(row, with_index) for row in rows]
    return page_of(items, limit, lambda last: {name: str(getattr(last, name)) for name in names})

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request

from budget_service.assumptions import service
from budget_service.assumptions.csv_import import csv_text, request_body
from budget_service.assumptions.schemas import (
    AgeFilter,
    ImportResult,
    PopulationForecastRead,
    PriceIndexRead,
    Publication,
    TaxForecastRead,
    TaxKind,
    YearFilter,
)
from styrkedjan_common.db import SessionDep
from styrkedjan_common.http import CursorQuery, LimitQuery, Page
from styrkedjan_common.identity import Role
from styrkedjan_common.problems import problem_responses
from styrkedjan_common.security import CallerDep, PolicyRoute, allow, allow_any_signed_in

router = APIRouter(prefix="", tags=["planning-assumptions"], route_class=PolicyRoute)
WRITERS = allow(Role.FULLMAKTIGE)
READERS = allow_any_signed_in()


def _import_declaration(dataset: service.Dataset, example: str) -> dict[str, Any]:
    return WRITERS | {"requestBody": request_body(dataset.layout, example)}


POPULATION_IMPORT = _import_declaration(
    service.POPULATION, "publication_date,source,year,age_from,age_to,count\n2026-03-01,SCB,2027,0,0,1050\n2026-03-01,SCB,2027,80,,2300.5\n"
)
TAX_IMPORT = _import_declaration(service.TAX, "publication_date,source,year,kind,amount\n2026-04-28,SKR,2027,TAX,1250000000.00\n")
PRICE_IMPORT = _import_declaration(service.PRICE, "index_name,publication_date,year,pct_change,component\nPKV,2026-04-25,2027,2.7,\n")
IMPORT_RESPONSES = problem_responses(403, 409, 415, 422)


async def _import(request: Request, session: SessionDep, caller: CallerDep, dataset: service.Dataset) -> ImportResult:
    service.ensure_council(caller, dataset.what)  # refused before the body is read
    text = await csv_text(request, request.app.state.settings.assumptions_import_max_bytes)
    return await service.import_csv(session, caller, dataset, text, request.app.state.settings)


async def _publications(session: SessionDep, dataset: service.Dataset, limit: int, cursor: str | None) -> Page[Publication]:
    items, next_cursor = await service.publications_page(session, dataset, cursor, limit)
    return Page[Publication](items=items, next_cursor=next_cursor)


# --- population forecasts ----------------------------------------------------------------------


@router.get("/population-forecasts", response_model=Page[PopulationForecastRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_population_forecasts(
    session: SessionDep,
    publication_date: dt.date | None = None,
    year: YearFilter = None,
    age_from: AgeFilter = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[PopulationForecastRead]:
    """Forecast inhabitants per age class and 31 December of a year, by publication."""
    filters = {"publication_date": publication_date, "year": year, "age_from": age_from}
    rows, next_cursor = await service.list_page(session, service.POPULATION, filters, cursor, limit)
    return Page[PopulationForecastRead](items=[PopulationForecastRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/population-forecasts/publications", response_model=Page[Publication], openapi_extra=READERS, responses=problem_responses(422))
async def list_population_publications(session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[Publication]:
    """The stored forecasts, newest publication first."""
    return await _publications(session, service.POPULATION, limit, cursor)


@router.post("/population-forecasts/imports", response_model=ImportResult, openapi_extra=POPULATION_IMPORT, responses=IMPORT_RESPONSES)
async def import_population_forecasts(request: Request, session: SessionDep, caller: CallerDep) -> ImportResult:
    """CSV columns publication_date,source,year,age_from,age_to,count (age_to empty: and older).
    All rows or none; a row with the same publication_date, year and age class replaces the stored count."""
    return await _import(request, session, caller, service.POPULATION)


# --- tax and grant forecasts -------------------------------------------------------------------


@router.get("/tax-forecasts", response_model=Page[TaxForecastRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_tax_forecasts(
    session: SessionDep,
    publication_date: dt.date | None = None,
    year: YearFilter = None,
    kind: TaxKind | None = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[TaxForecastRead]:
    """Forecast tax revenue, general grants and equalisation per year, by publication."""
    filters = {"publication_date": publication_date, "year": year, "kind": kind.value if kind else None}
    rows, next_cursor = await service.list_page(session, service.TAX, filters, cursor, limit)
    return Page[TaxForecastRead](items=[TaxForecastRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/tax-forecasts/publications", response_model=Page[Publication], openapi_extra=READERS, responses=problem_responses(422))
async def list_tax_publications(session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[Publication]:
    return await _publications(session, service.TAX, limit, cursor)


@router.post("/tax-forecasts/imports", response_model=ImportResult, openapi_extra=TAX_IMPORT, responses=IMPORT_RESPONSES)
async def import_tax_forecasts(request: Request, session: SessionDep, caller: CallerDep) -> ImportResult:
    """CSV columns publication_date,source,year,kind,amount (kind TAX, GRANTS or EQUALISATION; amount in kronor)."""
    return await _import(request, session, caller, service.TAX)


# --- price indices -----------------------------------------------------------------------------


@router.get("/price-indices", response_model=Page[PriceIndexRead], openapi_extra=READERS, responses=problem_responses(422))
async def list_price_indices(
    session: SessionDep,
    index_name: str | None = None,
    publication_date: dt.date | None = None,
    year: YearFilter = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[PriceIndexRead]:
    """Yearly changes of price indices such as SKR's PKV, by publication."""
    filters = {"index_name": index_name, "publication_date": publication_date, "year": year}
    rows, next_cursor = await service.list_page(session, service.PRICE, filters, cursor, limit)
    return Page[PriceIndexRead](items=[PriceIndexRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/price-indices/publications", response_model=Page[Publication], openapi_extra=READERS, responses=problem_responses(422))
async def list_price_index_publications(session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None) -> Page[Publication]:
    return await _publications(session, service.PRICE, limit, cursor)


@router.post("/price-indices/imports", response_model=ImportResult, openapi_extra=PRICE_IMPORT, responses=IMPORT_RESPONSES)
async def import_price_indices(request: Request, session: SessionDep, caller: CallerDep) -> ImportResult:
    """CSV columns index_name (optional, default PKV),publication_date,year,pct_change,component (optional; empty: the whole index)."""
    return await _import(request, session, caller, service.PRICE)

"""The rules of the economic follow-up (seed: "Ekonomistyrning", "Uppföljning"): booked amounts
(utfall) delivered from the financial system, all or nothing and idempotent; the boards' full-year
forecasts at the year's follow-ups (FORECAST after April, INTERIM after August, and at ANNUAL the
outcome of the closed books); budget against actuals and forecast."""

import hashlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

import orjson
from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.actuals import csv_import, repository
from budget_service.actuals.csv_import import Batch, LineError
from budget_service.actuals.models import ActualsImport, Forecast
from budget_service.actuals.schemas import (
    ActualCreate,
    ActualsImportRead,
    AdministrationSummary,
    BoardSummary,
    ForecastPut,
    ForecastRead,
    ImportSource,
    LatestForecast,
    MunicipalTotals,
    SummaryLevel,
    SummaryRead,
)
from budget_service.allocations import service as allocations_service
from budget_service.db import auditor
from styrkedjan_common.csv_text import MAX_LISTED_ERRORS, line_pointer, listed_note
from styrkedjan_common.db import lock_for_rule
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.problems import Forbidden, InvalidInput, NotFound
from styrkedjan_common.scope import ensure_can_write

IMPORT, FORECAST = "actuals_import", "forecast"
ACTUALS_WRITERS = (Role.FULLMAKTIGE, Role.FORVALTNING)
FORECAST_WRITERS = (Role.NAMND, Role.FORVALTNING)
# Lines read, staged and checked per step; bounds what a delivery holds in memory at once.
BATCH_SIZE = 10_000
# Settings the service reads with these defaults (BudgetSettings may define them).
MAX_JSON_ROWS = 5_000

Pointer = Callable[[int, str], str]


def to_import_read(delivery: ActualsImport) -> ActualsImportRead:
    return ActualsImportRead.model_validate(delivery)


# --- deliveries ---------------------------------------------------------------------------


def ensure_municipal_writer(principal: Principal) -> None:
    """A file from the financial system touches every board: its writer has the whole municipality in scope."""
    if principal.scope_of(ACTUALS_WRITERS) is not None:
        raise Forbidden(
            "a file of actuals touches every board: it is imported by fullmaktige or forvaltning with the whole municipality in scope"
        )


def _ensure_rows_in_scope(principal: Principal, rows: list[ActualCreate], owners: dict[str, tuple[uuid.UUID, uuid.UUID | None]]) -> None:
    """A smaller delivery may come from an administration: each row's cost centre must belong to its scope."""
    if principal.scope_of(ACTUALS_WRITERS) is None:
        return
    outside = sorted(
        {
            row.cost_center_code
            for row in rows
            if row.cost_center_code in owners
            and not any(unit is not None and principal.can_act_on(str(unit), ACTUALS_WRITERS) for unit in owners[row.cost_center_code])
        }
    )
    if outside:
        listed = ", ".join(outside[:20]) + (" …" if len(outside) > 20 else "")
        raise Forbidden(
            f"actuals are written in scope: the cost centres {listed} belong to boards outside your scope; nothing was imported"
        )


async def import_csv(session: AsyncSession, principal: Principal, body: AsyncIterator[bytes], settings: Any) -> tuple[ActualsImport, bool]:
    """Import a CSV file of booked amounts; returns the import and whether it is new. The same
    file again returns the earlier import and changes nothing."""
    ensure_municipal_writer(principal)
    spooled = await csv_import.spool(body, settings.actuals_import_max_bytes)
    try:
        await lock_for_rule(session, IMPORT)  # deliveries one at a time: the second of the same file finds the first
        earlier = await repository.import_by_sha256(session, spooled.sha256)
        if earlier is not None:
            return earlier, False
        codes = await repository.cost_center_codes(session)
        batches = csv_import.read_batches(spooled, codes, BATCH_SIZE)
        delivery = await _deliver(session, principal, spooled.sha256, ImportSource.CSV, _in_thread(batches), _line_pointer)
        return delivery, True
    finally:
        spooled.close()


async def import_rows(session: AsyncSession, principal: Principal, rows: list[ActualCreate]) -> tuple[ActualsImport, bool]:
    """A small delivery as JSON, under the same rules as a file."""
    await lock_for_rule(session, IMPORT)
    owners = await repository.cost_center_owners(session)
    _ensure_rows_in_scope(principal, rows, owners)
    sha256 = _digest(rows)
    earlier = await repository.import_by_sha256(session, sha256)
    if earlier is not None:
        return earlier, False
    delivery = await _deliver(session, principal, sha256, ImportSource.JSON, _checked(rows, owners), _item_pointer)
    return delivery, True


def _digest(rows: list[ActualCreate]) -> str:
    return hashlib.sha256(orjson.dumps([row.model_dump(mode="json") for row in rows])).hexdigest()


def _line_pointer(line: int, _field: str) -> str:
    return line_pointer(line)


def _item_pointer(index: int, field: str) -> str:
    return f"#/{index}/{field}" if field else f"#/{index}"


async def _checked(rows: list[ActualCreate], owners: dict[str, Any]) -> AsyncIterator[Batch]:
    """The rows (at most MAX_JSON_ROWS) as one batch; the schema has checked all but the cost centres."""
    batch = Batch()
    for index, row in enumerate(rows):
        if row.cost_center_code in owners:
            batch.rows.append((index, row.year, row.month, row.cost_center_code, row.account, row.amount))
        else:
            batch.errors.append(LineError(index, f"unknown cost centre code {row.cost_center_code!r}", "cost_center_code"))
    yield batch


async def _in_thread(batches: Iterator[Batch]) -> AsyncIterator[Batch]:
    """Parsing is CPU work: each batch is read in a worker thread, so the event loop stays free."""
    while (batch := await to_thread.run_sync(next, batches, None)) is not None:
        yield batch


async def _deliver(
    session: AsyncSession, principal: Principal, sha256: str, source: ImportSource, batches: AsyncIterator[Batch], pointer: Pointer
) -> ActualsImport:
    """Stage every valid row, check the delivery as a whole, then merge it: all or nothing in the
    request's transaction. A refusal lists every bad line (the first MAX_LISTED_ERRORS)."""
    await repository.open_staging(session)
    errors: list[LineError] = []
    bad_lines = staged = 0
    async for batch in batches:
        bad_lines += len(batch.errors)
        errors.extend(batch.errors[: MAX_LISTED_ERRORS - len(errors)])
        if batch.rows:
            await repository.stage(session, batch.rows)
            staged += len(batch.rows)
    duplicates, duplicate_count = await repository.staged_duplicates(session, MAX_LISTED_ERRORS)
    if bad_lines or duplicate_count:
        errors.extend(_duplicate_error(row, pointer, source) for row in duplicates)
        _refuse(sorted(errors, key=lambda e: e.line)[:MAX_LISTED_ERRORS], bad_lines + duplicate_count, pointer, source)
    if not staged:
        raise InvalidInput(
            "a delivery of actuals has at least one row; nothing was imported",
            errors=[{"pointer": pointer(2, "") if source == ImportSource.CSV else "#", "detail": "no rows"}],
        )
    periods = await repository.staged_periods(session)
    delivery = ActualsImport(
        sha256=sha256,
        source=source.value,
        rows=staged,
        inserted=0,
        updated=0,
        unchanged=0,
        periods=[f"{year}-{month:02d}" for year, month in periods],
        imported_by=principal.user_id,
    )
    session.add(delivery)
    await session.flush()
    delivery.inserted, delivery.updated = await repository.merge_staged(session, delivery.id)
    delivery.unchanged = staged - delivery.inserted - delivery.updated
    await repository.close_staging(session)
    await session.flush()
    # One audit event for the whole delivery, with its counts: not one per row.
    auditor.record(session, principal, "IMPORT", IMPORT, delivery.id, after=to_import_read(delivery).model_dump(mode="json"))
    return delivery


def _duplicate_error(row: Any, pointer: Pointer, source: ImportSource) -> LineError:
    first = pointer(row.first_line, "")
    key = f"year {row.year}, month {row.month}, cost centre {row.cost_center_code!r}, account {row.account!r}"
    what = "line" if source == ImportSource.CSV else "row"
    return LineError(row.line, f"duplicate key within the delivery: {key} is already on {what} {first}")


def _refuse(errors: list[LineError], total: int, pointer: Pointer, source: ImportSource) -> None:
    what = "line(s) of the file" if source == ImportSource.CSV else "row(s)"
    listed = listed_note(total, len(errors))
    raise InvalidInput(
        f"a delivery of actuals is imported all or nothing: {total} bad {what}{listed}; nothing was imported",
        errors=[{"pointer": pointer(e.line, e.field), "detail": e.detail} for e in errors],
    )


async def get_import(session: AsyncSession, import_id: uuid.UUID) -> ActualsImport:
    delivery = await repository.get_import(session, import_id)
    if delivery is None:
        raise NotFound(f"no delivery of actuals {import_id}")
    return delivery


# --- forecasts ----------------------------------------------------------------------------


def to_forecast_read(forecast: Forecast) -> ForecastRead:
    return ForecastRead.model_validate(forecast)


def ensure_forecast_writer(principal: Principal, board_org_unit_id: uuid.UUID) -> None:
    ensure_can_write(principal, board_org_unit_id, FORECAST_WRITERS, "a board's forecast")


async def get_forecast(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int, occasion: FollowupOccasion) -> Forecast:
    forecast = await repository.get_forecast(session, board_org_unit_id, year, occasion.value)
    if forecast is None:
        raise NotFound(f"no {occasion.value} forecast {year} of board {board_org_unit_id}")
    return forecast


async def put_forecast(
    session: AsyncSession,
    principal: Principal,
    board_org_unit_id: uuid.UUID,
    year: int,
    occasion: FollowupOccasion,
    data: ForecastPut,
    existing: Forecast | None,
) -> Forecast:
    """Set the board's forecast at the follow-up, or replace it (the caller checked If-Match)."""
    ensure_forecast_writer(principal, board_org_unit_id)
    if existing is None:
        forecast = Forecast(
            board_org_unit_id=board_org_unit_id,
            year=year,
            occasion=occasion.value,
            amount=data.amount,
            comment=data.comment,
            created_by=principal.user_id,
            updated_by=principal.user_id,
        )
        session.add(forecast)
        await session.flush()
        auditor.record(session, principal, "CREATE", FORECAST, forecast.id, after=_snapshot(forecast))
        return forecast
    if existing.amount == data.amount and existing.comment == data.comment:
        return existing  # nothing changes: no new row version, no audit event
    before = _snapshot(existing)
    existing.amount, existing.comment, existing.updated_by = data.amount, data.comment, principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", FORECAST, existing.id, before=before, after=_snapshot(existing))
    return existing


def _snapshot(forecast: Forecast) -> dict[str, Any]:
    return to_forecast_read(forecast).model_dump(mode="json")


# --- summary ------------------------------------------------------------------------------


def _latest_forecasts(forecasts: Iterable[Forecast]) -> dict[uuid.UUID, Forecast]:
    latest: dict[uuid.UUID, Forecast] = {}
    for forecast in forecasts:
        held = latest.get(forecast.board_org_unit_id)
        if held is None or FollowupOccasion(forecast.occasion).order > FollowupOccasion(held.occasion).order:
            latest[forecast.board_org_unit_id] = forecast
    return latest


def _deviation(budget: Decimal | None, forecast: Decimal | None) -> Decimal | None:
    return budget - forecast if budget is not None and forecast is not None else None


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def _municipal_totals(frames: dict[uuid.UUID, Decimal], allocated: dict[uuid.UUID, Decimal], boards: list[BoardSummary]) -> MunicipalTotals:
    """The municipality's totals over one set of boards, all of them, as a compiled forecast reads:
    a board that has not reported yet is taken to follow its budget, and the count of boards that
    reported stands beside the figures. Without any report there is no forecast yet."""
    budget = _sum(frames.values())
    reported = sum(1 for b in boards if b.forecast is not None)
    forecast = _sum(b.forecast if b.forecast is not None else b.budget for b in boards) if reported else None
    return MunicipalTotals(
        budget=budget,
        allocated=_sum(allocated.values()),
        actuals=sum((b.actuals for b in boards), Decimal(0)),
        forecast=forecast,
        forecast_deviation=_deviation(budget, forecast),
        boards_total=len(boards),
        boards_reported=reported,
        boards_over_frame=sum(1 for b in boards if b.over_frame),
    )


async def summary(session: AsyncSession, year: int, level: SummaryLevel, through_month: int | None) -> SummaryRead:
    """Budget against actuals and forecast, per board or per administration, and for the municipality."""
    budget = await repository.budget_in_force(session, year)
    frames = await repository.operating_frames(session, budget.id, year) if budget else {}
    allocated = await repository.allocated_by_board(session, year)
    forecasts = _latest_forecasts(await repository.forecasts_of_year(session, year))
    by_board = {row.board: row for row in await repository.actuals_by_board(session, year, through_month)}
    boards = [
        BoardSummary(
            board_org_unit_id=board,
            budget=frames.get(board),
            allocated=allocated.get(board),
            actuals=by_board[board].amount if board in by_board else Decimal(0),
            forecast=forecasts[board].amount if board in forecasts else None,
            latest_forecast=LatestForecast(occasion=forecasts[board].occasion, amount=forecasts[board].amount)
            if board in forecasts
            else None,
            forecast_deviation=_deviation(frames.get(board), forecasts[board].amount if board in forecasts else None),
            over_frame=bool(allocations_service.excess_over(frames.get(board), allocated.get(board, Decimal(0)))),
            allocation_excess=allocations_service.excess_over(frames.get(board), allocated.get(board, Decimal(0))),
        )
        for board in sorted(frames.keys() | by_board.keys() | forecasts.keys(), key=str)
    ]
    result = SummaryRead(
        year=year,
        level=level,
        budget_id=budget.id if budget else None,
        through_month=max((row.last_month for row in by_board.values()), default=None),
        municipality=_municipal_totals(frames, allocated, boards),
    )
    if level == SummaryLevel.BOARD:
        result.boards = boards
    elif level == SummaryLevel.ADMINISTRATION:
        rows = await repository.actuals_by_org_unit(session, year, through_month)
        result.administrations = [
            AdministrationSummary(org_unit_id=row.org_unit, board_org_unit_id=row.board, actuals=row.amount)
            for row in sorted(rows, key=lambda r: (str(r.board), str(r.org_unit)))
        ]
    return result

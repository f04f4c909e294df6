"""Reading a delivery of booked amounts as CSV in bounded memory: the request body is spooled to a
temporary file while its SHA-256 is computed, then read back line by line in batches. Nothing here
touches the database; the service stages the batches and checks what needs all lines at once
(duplicate keys) in SQL.

Format: UTF-8 or Windows-1252 (see styrkedjan_common.csv_text), a header row naming the columns year,month,cost_center,account,amount (any order),
one booked amount a line, amounts with a decimal point and at most two decimals ("-1250.50").
"""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator, Container, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from budget_service.actuals.schemas import ACCOUNT_PATTERN
from styrkedjan_common import csv_text
from styrkedjan_common.csv_text import Spooled, line_pointer, open_text
from styrkedjan_common.problems import InvalidInput
from styrkedjan_common.text import NUL_DETAIL, holds_nul
from styrkedjan_common.years import FIRST_YEAR, LAST_YEAR

COLUMNS = ("year", "month", "cost_center", "account", "amount")
_AMOUNT = re.compile(r"-?\d{1,16}(?:\.\d{1,2})?")
_ACCOUNT = re.compile(ACCOUNT_PATTERN)
# A staged row: (line, year, month, cost_center_code, account, amount), the staging table's columns.
StagedRow = tuple[int, int, int, str, str, Decimal]


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    detail: str
    field: str = ""  # the field at fault, where the delivery's pointers name fields (JSON)


@dataclass
class Batch:
    rows: list[StagedRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


async def spool(chunks: AsyncIterator[bytes], max_bytes: int) -> Spooled:
    """Write the body to a temporary file while hashing it; refuse it past `max_bytes` (413)."""
    return await csv_text.spool(chunks, max_bytes, f"a delivery of actuals is at most {max_bytes} bytes; split it by period")


def _header_refused(detail: str) -> InvalidInput:
    return InvalidInput(
        f"the first line must be the header {','.join(COLUMNS)}: {detail}; nothing was imported",
        errors=[{"pointer": line_pointer(1), "detail": detail}],
    )


def _column_order(header: list[str] | None) -> tuple[int, ...]:
    if not header:
        raise _header_refused("the file is empty")
    names = [name.strip().lower() for name in header]
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    if missing or unknown or len(names) != len(COLUMNS):
        found = ",".join(names)
        raise _header_refused(f"found {found!r}" + (f", missing {', '.join(missing)}" if missing else ""))
    return tuple(names.index(name) for name in COLUMNS)


def parse_line(fields: list[str], order: tuple[int, ...], codes: Container[str]) -> tuple[int, int, str, str, Decimal] | list[str]:
    """The line's values, or what is wrong with it (every problem, not just the first)."""
    if len(fields) != len(COLUMNS):
        return [f"expected {len(COLUMNS)} fields ({','.join(COLUMNS)}), found {len(fields)}"]
    values = [fields[i].strip() for i in order]
    # A NUL is refused as such, whatever else the cell would be (PostgreSQL stores none).
    problems = [f"{name}: {NUL_DETAIL}" for name, value in zip(COLUMNS, values, strict=True) if holds_nul(value)]
    if problems:
        return problems
    year_text, month_text, code, account, amount_text = values
    year = int(year_text) if year_text.isascii() and year_text.isdigit() else 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        problems.append(f"year {year_text!r} is not a year {FIRST_YEAR}–{LAST_YEAR}")
    month = int(month_text) if month_text.isascii() and month_text.isdigit() else 0
    if not 1 <= month <= 12:
        problems.append(f"month {month_text!r} is not a month 1–12")
    if code not in codes:
        problems.append(f"unknown cost centre code {code!r}")
    if not _ACCOUNT.fullmatch(account):
        problems.append(f"account {account!r} is not an account (1–20 letters, digits, '.', '_' or '-')")
    if not _AMOUNT.fullmatch(amount_text):
        problems.append(f"amount {amount_text!r} is not an amount: kronor with a decimal point and at most two decimals, e.g. -1250.50")
    if problems:
        return problems
    return year, month, code, account, Decimal(amount_text)


def read_batches(spooled: Spooled, codes: Container[str], batch_size: int) -> Iterator[Batch]:
    """The file's rows and bad lines, `batch_size` lines at a time. Blocking: run each step in a
    worker thread. Undecodable bytes become U+FFFD, so they show up as a bad value on their line."""
    text = open_text(spooled.file, spooled.encoding)
    try:
        reader = csv.reader(text)
        order = _column_order(next(reader, None))
        batch = Batch()
        for fields in reader:
            if not fields or fields == [""]:
                continue  # a blank line, typically the last
            parsed = parse_line(fields, order, codes)
            if isinstance(parsed, list):
                batch.errors.append(LineError(reader.line_num, "; ".join(parsed)))
            else:
                batch.rows.append((reader.line_num, *parsed))
            if len(batch.rows) + len(batch.errors) >= batch_size:
                yield batch
                batch = Batch()
        if batch.rows or batch.errors:
            yield batch
    except csv.Error as exc:
        raise InvalidInput(
            f"the file is not valid CSV at line {reader.line_num}: {exc}; nothing was imported",
            errors=[{"pointer": line_pointer(reader.line_num), "detail": str(exc)}],
        ) from None
    finally:
        text.detach()

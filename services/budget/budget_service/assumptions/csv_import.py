"""Reading planning assumptions from CSV. Every row is checked before anything is stored and every
bad row is reported with its line, so a file is imported whole or not at all."""

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from fastapi import Request

from styrkedjan_common.csv_text import MAX_LISTED_ERRORS, UNDECODABLE, UNDECODABLE_DETAIL, decode, listed_note
from styrkedjan_common.problems import InvalidInput, ProblemError
from styrkedjan_common.text import refuse_nul

CSV_MEDIA_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
MULTIPART = "multipart/form-data"
FILE_FIELD = "file"


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    # An optional column may be left out of the header or left empty; it then reads as `default`.
    optional: bool = False
    default: Any = None


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of file, the columns that identify a row, and a check across columns."""

    columns: tuple[Column, ...]
    key: tuple[str, ...]
    check: Callable[[dict[str, Any]], list[tuple[str, str]]] = field(default=lambda _: [])


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, Any]


def request_body(layout: Layout, example: str) -> dict[str, Any]:
    """The request body as the OpenAPI document describes it: the file's columns, as the parser reads them, and an example."""
    columns = ", ".join(f"{column.name} (optional)" if column.optional else column.name for column in layout.columns)
    optional = "; an optional column may be left out or left empty" if any(column.optional for column in layout.columns) else ""
    description = (
        f"A CSV file (UTF-8 or Windows-1252) whose header names the columns {columns}, in any order{optional}. "
        f"Sent as the body (text/csv) or as the form field `{FILE_FIELD}` (multipart/form-data)."
    )
    return {
        "required": True,
        "description": description,
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": example},
            MULTIPART: {"schema": {"type": "object", "properties": {FILE_FIELD: {"type": "string", "format": "binary"}}}},
        },
    }


class UnsupportedMediaType(ProblemError):
    status, slug = 415, "unsupported-media-type"


def _line_error(line: int, detail: str) -> dict[str, str]:
    return {"pointer": f"#/line/{line}", "detail": detail}


def _multipart_file(content_type: str, body: bytes) -> bytes:
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if message.is_multipart():
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == FILE_FIELD:
                # The decoded body of a leaf part is bytes; a part that is itself multipart has none.
                payload = part.get_payload(decode=True)
                return payload if isinstance(payload, bytes) else b""
    raise InvalidInput(
        f"the multipart body has no part named {FILE_FIELD!r}",
        errors=[{"pointer": f"#/{FILE_FIELD}", "detail": "attach the CSV file as the form field 'file'"}],
    )


async def csv_text(request: Request, max_bytes: int) -> str:
    """The CSV file of the request: the body itself (text/csv) or the form field `file` (multipart)."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in CSV_MEDIA_TYPES and media_type != MULTIPART:
        raise UnsupportedMediaType(
            f"send the CSV file as text/csv or as the field {FILE_FIELD!r} of multipart/form-data, not {media_type or 'nothing'}"
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise InvalidInput(f"the file is larger than {max_bytes} bytes", errors=[{"pointer": "#", "detail": "file too large"}])
    data = _multipart_file(content_type, bytes(body)) if media_type == MULTIPART else bytes(body)
    return decode(data)


def _delimiter(text: str) -> str:
    # A Swedish Excel writes semicolons; everyone else commas.
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _header_errors(header: Sequence[str], layout: Layout) -> list[dict[str, str]]:
    known = {c.name for c in layout.columns}
    missing = [c.name for c in layout.columns if not c.optional and c.name not in header]
    unknown = [name for name in header if name not in known]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    errors = []
    if missing:
        errors.append(_line_error(1, f"missing column(s): {', '.join(missing)}"))
    if unknown:
        errors.append(
            _line_error(1, f"unknown column(s): {', '.join(unknown)}; the columns are {', '.join(c.name for c in layout.columns)}")
        )
    if duplicated:
        errors.append(_line_error(1, f"column(s) named twice: {', '.join(duplicated)}"))
    return errors


def _parse_row(line: int, record: dict[str, str], layout: Layout) -> tuple[dict[str, Any], list[dict[str, str]]]:
    values: dict[str, Any] = {}
    errors = []
    for column in layout.columns:
        raw = (record.get(column.name) or "").strip()
        if not raw:
            if column.optional:
                values[column.name] = column.default
            else:
                errors.append(_line_error(line, f"{column.name}: a value is required"))
            continue
        try:
            values[column.name] = column.parse(refuse_nul(raw))
        except ValueError as exc:
            errors.append(_line_error(line, f"{column.name}: {exc}"))
    if not errors:
        errors = [_line_error(line, f"{name}: {detail}") for name, detail in layout.check(values)]
    return values, errors


def read_rows(text: str, layout: Layout, max_rows: int) -> list[CsvRow]:
    """The file's rows, parsed; or a 422 listing the faults of its bad lines (the header is line 1),
    the first MAX_LISTED_ERRORS of them, and counting them all."""
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = [name.strip() for name in reader.fieldnames or []]
    if not header:
        raise InvalidInput("the file is empty; it needs a header line and at least one row", errors=[_line_error(1, "no header")])
    reader.fieldnames = header
    errors = _header_errors(header, layout)
    if errors:
        raise InvalidInput("the file's header does not have the expected columns; nothing was imported", errors=errors)
    rows: list[CsvRow] = []
    first_line_of: dict[tuple[Any, ...], int] = {}
    bad_lines = faults = 0

    def refuse_line(line_errors: list[dict[str, str]]) -> None:
        nonlocal bad_lines, faults
        bad_lines, faults = bad_lines + 1, faults + len(line_errors)
        errors.extend(line_errors[: MAX_LISTED_ERRORS - len(errors)])

    for record in reader:
        line = reader.line_num
        if not any((value or "").strip() for value in record.values() if isinstance(value, str)):
            continue  # blank lines, e.g. at the end of an Excel export
        if len(rows) >= max_rows:
            refuse_line([_line_error(line, f"a file holds at most {max_rows} rows")])
            break
        if None in record:
            refuse_line([_line_error(line, f"more values than the {len(header)} columns of the header")])
            continue
        if any(UNDECODABLE in value for value in record.values() if isinstance(value, str)):
            refuse_line([_line_error(line, UNDECODABLE_DETAIL)])
            continue
        values, row_errors = _parse_row(line, record, layout)
        if not row_errors:
            key = tuple(values[name] for name in layout.key)
            if key in first_line_of:
                row_errors.append(_line_error(line, f"the same {', '.join(layout.key)} as line {first_line_of[key]}"))
            first_line_of.setdefault(key, line)
        if row_errors:
            refuse_line(row_errors)
        rows.append(CsvRow(line, values))
    if bad_lines:
        raise InvalidInput(
            f"{bad_lines} line(s) of the file are not valid, with {faults} fault(s){listed_note(faults, len(errors))}; "
            "nothing was imported",
            errors=errors,
        )
    if not rows:
        raise InvalidInput("the file has a header but no rows", errors=[_line_error(2, "no rows")])
    return rows


# --- value parsers: each raises ValueError with the reason ----------------------------------


def iso_date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date YYYY-MM-DD") from None


def integer(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}–{high}")
        return value

    return parse


def text(max_length: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if len(raw) > max_length:
            raise ValueError(f"at most {max_length} characters")
        return raw

    return parse

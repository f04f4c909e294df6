"""Stratsys layout 3, the goal chain's structure file, as text: its columns, and reading and writing
it as CSV (UTF-8, `;`, LF, a header line) and as XLSX (one sheet, the header in row 1, every cell
text but column_index, a number). Nothing here knows the goals: a file is a list of rows, each a
dict by column name, with the line it came from."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]

HEADER = (
    "scorecard",
    "column",
    "column_index",
    "node_type",
    "node_code",
    "node_name",
    "parent_code",
    "unit_code",
    "unit_name",
    "perspective",
    "status",
    "comment",
    "period",
    "start_date",
    "end_date",
    "responsible",
)
SHEET_TITLE = "Struktur"
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# No cell of a sane structure file comes near this; a longer one is refused, not stored.
MAX_CELL = 10000


class Column(StrEnum):
    """The chain's levels as Stratsys's scorecard columns, in chain order."""

    VISION = "Vision"
    MUNICIPAL = "Kommunövergripande mål"
    BOARD = "Nämndmål"
    UNIT = "Verksamhetsmål"
    KPI = "Mätetal"
    ACTIVITY = "Aktivitet"

    @property
    def order(self) -> int:
        return list(Column).index(self)

    @property
    def node_type(self) -> str:
        return {Column.KPI: "Kpi", Column.ACTIVITY: "Activity"}.get(self, "Goal")


@dataclass(frozen=True, slots=True)
class Line:
    """One row of a file: its line (the header is line 1) and its cells by column name."""

    number: int
    cells: dict[str, str]


class LayoutError(Exception):
    """The file is not layout 3 at all (not UTF-8, no header, not a workbook): said once, for the file."""


def write_csv(rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


# The parts of a workbook of one sheet (SpreadsheetML, ECMA-376): written directly, as openpyxl's
# writer takes seconds for a large municipality's file where this takes a fraction of one; openpyxl
# reads what is written here (and any workbook a person saves) on import.
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets><sheet name="{SHEET_TITLE}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_LETTERS = [chr(ord("A") + i) for i in range(len(HEADER))]
# What XML 1.0 cannot hold (control characters but tab and line breaks) is left out; a carriage
# return is written as a reference, which a parser keeps (a literal one it would make a line feed).
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord("\r"): "&#13;"} | {c: "" for c in range(32) if c not in (9, 10, 13)}


def _cell(ref: str, value: str, number: bool) -> str:
    if number:
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{value.translate(_ESCAPES)}</t></is></c>'


def write_xlsx(rows: Sequence[Sequence[str]]) -> bytes:
    """The header and the rows on one sheet; column_index a number, every other cell text, an empty cell left out."""
    index = HEADER.index("column_index")
    lines = [_DECLARATION, f'<worksheet xmlns="{_MAIN}"><sheetData>']
    for r, row in enumerate([HEADER, *rows], start=1):
        cells = "".join(_cell(f"{_LETTERS[i]}{r}", value, r > 1 and i == index and value.isdigit()) for i, value in enumerate(row) if value)
        lines.append(f'<row r="{r}">{cells}</row>')
    lines.append("</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        for name, text in _PARTS.items():
            book.writestr(name, _DECLARATION + text)
        book.writestr("xl/worksheets/sheet1.xml", "".join(lines))
    return out.getvalue()


def _check_header(found: Sequence[str]) -> None:
    names = [name.strip() for name in found]
    if tuple(names) != HEADER:
        raise LayoutError(f"the first line is layout 3's header ({';'.join(HEADER)}); this file's is {';'.join(names)[:300]}")


def read_csv(body: bytes) -> Iterator[Line]:
    """The rows of a CSV file, lazily; a row with another number of cells than the header's is
    given as it is (the caller names its line)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LayoutError(f"the file is not UTF-8 (byte {exc.start})") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise LayoutError("the file is empty: layout 3 begins with its header line")
        _check_header(header)
        while True:
            number = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                return
            if not any(cell.strip() for cell in row):
                continue  # a blank line (a trailing one, say) holds no node
            yield Line(number, _cells(row))
    except csv.Error as exc:
        raise LayoutError(f"line {reader.line_num}: {exc}") from exc


def _cells(row: Sequence[str]) -> dict[str, str]:
    cells = dict(zip(HEADER, row, strict=False))
    if len(row) != len(HEADER):
        cells["#count"] = str(len(row))
    return cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return (value.date() if value.time() == dt.time() else value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(body: bytes) -> Iterator[Line]:
    """The rows of the workbook's first sheet; dates and numbers as a CSV would write them."""
    try:
        book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a body that is no workbook
        raise LayoutError(f"the body is not an XLSX workbook ({type(exc).__name__})") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise LayoutError("the sheet is empty: layout 3 begins with its header row")
        names = [_text(v) for v in header]
        while names and not names[-1]:
            names.pop()
        _check_header(names)
        for number, values in enumerate(rows, start=2):
            row = [_text(v) for v in values]
            while len(row) > len(HEADER) and not row[-1]:
                row.pop()
            if not any(cell.strip() for cell in row):
                continue
            row += [""] * (len(HEADER) - len(row))
            yield Line(number, _cells(row))
    finally:
        book.close()

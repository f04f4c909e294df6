"""A record's codes in other systems (Stratsys, the finance system): a JSON object of system → code
stored beside the record (`external_codes`), and the list filter that finds records by one of them.

`?external_code=stratsys:BUN` lists the records whose code under the key "stratsys" is exactly "BUN":
the system is the text before the first colon, the code all after it (a code may hold colons). A
value with no colon, or with nothing on either side of it, is a 422 naming the parameter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import ColumnElement, exists, func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from styrkedjan_common.problems import InvalidInput

POINTER = "#/query/external_code"
# The longest system name and code a record may store (their body fields' bounds), with the colon.
MAX_SYSTEM, MAX_CODE = 50, 100
DESCRIPTION = (
    "Only records carrying this code in another system, written `<system>:<code>`: the system is the text "
    "before the first colon, the code the rest, both matched exactly (case and spaces count). "
    'For example `stratsys:BUN` finds the record whose `external_codes` holds `"stratsys": "BUN"`.'
)


@dataclass(frozen=True, slots=True)
class ExternalCode:
    system: str
    code: str

    def __str__(self) -> str:
        return f"{self.system}:{self.code}"


def parse_external_code(value: str) -> ExternalCode:
    """`system:code` split at the first colon; ValueError saying what is wrong otherwise."""
    system, colon, code = value.partition(":")
    if not colon:
        raise ValueError("write <system>:<code>, e.g. stratsys:BUN (no colon found)")
    if not system.strip() or not code.strip():
        raise ValueError("write <system>:<code>, e.g. stratsys:BUN: both the system and the code are needed")
    if len(system) > MAX_SYSTEM or len(code) > MAX_CODE:
        raise ValueError(f"a system name has at most {MAX_SYSTEM} characters and a code at most {MAX_CODE}")
    return ExternalCode(system, code)


def external_code_filter(
    external_code: Annotated[
        str | None, Query(max_length=MAX_SYSTEM + 1 + MAX_CODE, description=DESCRIPTION, examples=["stratsys:BUN"])
    ] = None,
) -> ExternalCode | None:
    if external_code is None:
        return None
    try:
        return parse_external_code(external_code)
    except ValueError as problem:
        raise InvalidInput(f"external_code: {problem}", errors=[{"pointer": POINTER, "detail": str(problem)}]) from None


# A list's filter: `code: ExternalCodeFilter` in a router's signature.
ExternalCodeFilter = Annotated[ExternalCode | None, Depends(external_code_filter)]


def carries_code(column: Any, wanted: ExternalCode, dialect: str) -> ColumnElement[bool]:
    """The condition that a JSON `external_codes` column holds `wanted.code` under `wanted.system`,
    for the dialect the session speaks (`session.get_bind().dialect.name`). PostgreSQL: JSONB
    containment of {system: code} (a GIN index can serve it). SQLite: the object's members through
    json_each, whose keys and values come unescaped: a path into the object (json_extract) misses
    keys stored escaped, such as one with "ä" or a quote. Only a string code matches, on both."""
    if dialect == "postgresql":
        return type_coerce(column, JSONB).contains({wanted.system: wanted.code})
    members = func.json_each(column).table_valued("key", "value", "type")
    return exists(
        select(1).select_from(members).where(members.c.key == wanted.system, members.c.type == "text", members.c.value == wanted.code)
    )

"""Money: exact decimals in kronor, never floats — stored as NUMERIC(18, 2), sent and received as
JSON strings ("1250000.00"). A JSON number is refused: a float has already lost exactness. The
other exact decimal column more than one area stores (percentages) is declared here too."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer
from sqlalchemy import BigInteger, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

_PLACES = Decimal("0.01")


class MoneyType(TypeDecorator[Decimal]):
    """NUMERIC(18, 2) on PostgreSQL. SQLite keeps a NUMERIC with decimals as a float (about 15
    significant digits), so there the amount travels as whole öre in an integer: exact, and sums
    and comparisons in SQL stay exact too."""

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(BigInteger() if dialect.name == "sqlite" else Numeric(18, 2))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(_PLACES)
        return Decimal(value).quantize(_PLACES)


# Kronor with öre; 16 digits before the point hold any municipal amount.
MONEY_COLUMN = MoneyType()
# Per cent with four decimals ("2.7", not 0.027): a price index's change in the planning
# assumptions, and the percentages a model run was computed with.
PERCENT_COLUMN = Numeric(9, 4)


def parse_money(value: Any) -> Decimal:
    """A decimal string with at most two decimals; anything else is refused with the reason."""
    if isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise ValueError('an amount is a decimal string such as "1250000.00", not a JSON number')
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal amount") from None
    if not amount.is_finite():
        raise ValueError("an amount is a finite number")
    if amount != amount.quantize(_PLACES):
        raise ValueError("an amount has at most two decimals (öre)")
    if abs(amount) >= Decimal(10) ** 16:
        raise ValueError("an amount has at most 16 digits before the decimal point")
    return amount.quantize(_PLACES)


def format_money(amount: Decimal) -> str:
    return str(amount.quantize(_PLACES))


# pydantic's keywords for bounds (from Field(ge=...)), which it leaves in the JSON schema of a
# validated string as they are; JSON Schema has no bounds for a string.
_BOUND_WORDS = {"gt": "more than", "ge": "at least", "lt": "less than", "le": "at most"}


def decimal_string_schema(
    integer_digits: str, places: int, minimum: str | None = None, maximum: str | None = None
) -> Callable[[dict[str, Any]], None]:
    """The JSON schema of an exact decimal sent as a string (a JSON number is refused): `type: string`
    with a pattern of the accepted form, never pydantic's anyOf[number, string]. A bound (the
    field's ge/gt/le/lt, or `minimum`/`maximum`) is said in the description, and a bound that rules
    out negative numbers leaves the sign out of the pattern."""

    def update(schema: dict[str, Any]) -> None:
        schema.pop("anyOf", None)
        bounds = {keyword: schema.pop(keyword) for keyword in list(_BOUND_WORDS) if keyword in schema}
        if minimum is not None:
            bounds.setdefault("ge", minimum)
        if maximum is not None:
            bounds.setdefault("le", maximum)
        lowest = bounds.get("ge", bounds.get("gt"))
        sign = "" if lowest is not None and Decimal(str(lowest)) >= 0 else "-?"
        schema["type"] = "string"
        schema["pattern"] = rf"^{sign}\d{integer_digits}(\.\d{{1,{places}}})?$"
        if bounds:
            said = " and ".join(f"{_BOUND_WORDS[keyword]} {bound}" for keyword, bound in bounds.items())
            described = schema.get("description", "").rstrip(". ")
            schema["description"] = f"{described}. {said[0].upper()}{said[1:]}".lstrip(". ")

    return update


# The API type of every amount: refuses floats and malformed strings, answers "1250000.00".
Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(format_money, return_type=str, when_used="json"),
    Field(examples=["1250000.00"], json_schema_extra=decimal_string_schema("{1,16}", 2)),
]

"""Money: exact decimals in kronor, never floats — stored as NUMERIC(18, 2), sent and received as
JSON strings ("1250000.00"). A JSON number is refused: a float has already lost exactness. The
other exact decimal column more than one area stores (percentages) is declared here too."""

from __future__ import annotations

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


# The API type of every amount: refuses floats and malformed strings, answers "1250000.00".
Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(format_money, return_type=str, when_used="json"),
    Field(examples=["1250000.00"], json_schema_extra={"type": "string", "pattern": r"^-?\d{1,16}(\.\d{1,2})?$"}),
]

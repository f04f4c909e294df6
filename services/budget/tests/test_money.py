"""Money is exact end to end: strings in and out, no floats, and the database keeps every öre
(SQLite included, where a NUMERIC with decimals would be a float)."""

import uuid
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select

from budget_service.budgets.models import Budget, Frame
from budget_service.money import Money

MONEY = TypeAdapter(Money)


@pytest.mark.parametrize("text", ["1250000.00", "0.01", "-42.5", "9999999999999999.99"])
def test_decimal_strings_are_accepted_and_answered_with_two_decimals(text):
    amount = MONEY.validate_python(text)
    assert amount == Decimal(text)
    assert MONEY.dump_python(amount, mode="json") == str(Decimal(text).quantize(Decimal("0.01")))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (12.5, "not a JSON number"),
        (1250000, "not a JSON number"),
        ("12 345,90", "is not a decimal amount"),
        ("1.005", "at most two decimals"),
        ("NaN", "finite"),
        ("10000000000000000", "at most 16 digits"),
    ],
)
def test_floats_and_malformed_amounts_are_refused_with_the_reason(value, reason):
    with pytest.raises(ValidationError) as refused:
        MONEY.validate_python(value)
    assert reason in str(refused.value)


async def test_the_database_keeps_every_ore_of_large_amounts_and_sums_them_exactly(app, client):  # client: tables emptied after
    amounts = [Decimal("98765432109876.54"), Decimal("0.01"), Decimal("0.02")]
    budget = Budget(id=uuid.uuid4(), year=2027, title="Mål och budget 2027", status="DRAFT", revision=1, created_by="t", updated_by="t")
    frames = [
        Frame(
            budget_id=budget.id, board_org_unit_id=uuid.uuid4(), kind="OPERATING", year=2027, amount=amount, created_by="t", updated_by="t"
        )
        for amount in amounts
    ]
    async with app.state.sessionmaker() as session:
        session.add(budget)
        await session.flush()
        session.add_all(frames)
        await session.commit()
        stored = sorted((await session.scalars(select(Frame.amount))).all())
        total = await session.scalar(select(func.sum(Frame.amount)))
        above = await session.scalar(select(func.count()).select_from(Frame).where(Frame.amount > Decimal("0.01")))
    assert stored == sorted(amounts)
    assert total == sum(amounts)
    assert above == 2

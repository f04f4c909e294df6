"""The allocation model's arithmetic, free of storage: from the inputs of a run to each board's frame
proposal as components, each with every input and its formula in words, so a reader can trace every
krona. Amounts are exact decimals; each component is rounded to öre once, and a proposal is the sum
of its rounded components, so the parts always add up to the whole."""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from budget_service.assumptions.schemas import age_class, plain_decimal
from budget_service.money import format_money

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class ComponentKind(StrEnum):
    BASE = "BASE"
    DEMOGRAPHIC = "DEMOGRAPHIC"
    PRICE = "PRICE"
    WAGE = "WAGE"
    EFFICIENCY = "EFFICIENCY"


@dataclass(frozen=True)
class ForecastRow:
    year: int
    age_from: int
    age_to: int | None
    count: Decimal


@dataclass(frozen=True)
class Group:
    """A target group with its unit cost for the budget year (None when it has none)."""

    id: uuid.UUID
    board_org_unit_id: uuid.UUID
    activity: str
    age_from: int | None
    age_to: int | None
    cost_per_inhabitant: Decimal | None
    coverage_rate: Decimal | None


@dataclass(frozen=True)
class Inputs:
    budget_year: int
    population_publication_date: dt.date
    forecasts: list[ForecastRow]
    price_index_name: str
    price_index_publication_date: dt.date
    price_index_pct: Decimal | None
    wage_compensation_pct: Decimal
    efficiency_pct: Decimal
    base_frames: dict[uuid.UUID, Decimal]
    groups: list[Group]


@dataclass(frozen=True)
class Component:
    kind: ComponentKind
    amount: Decimal
    explanation: dict[str, Any]
    target_group_id: uuid.UUID | None = None


@dataclass
class BoardProposal:
    board_org_unit_id: uuid.UUID
    base_amount: Decimal
    components: list[Component] = field(default_factory=list)

    @property
    def proposal(self) -> Decimal:
        return sum((c.amount for c in self.components), Decimal("0.00"))


class MissingInputs(Exception):
    """What the run needs and does not have, each with the request field it depends on."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(e["detail"] for e in errors))
        self.errors = errors


def to_ore(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _kr(amount: Decimal) -> str:
    return f"{format_money(amount)} kr"


AgeClass = tuple[int, int | None]


def tile(classes: dict[AgeClass, Decimal], age_from: int | None, age_to: int | None) -> list[AgeClass] | None:
    """The forecast's age classes that together make up exactly the wanted class: the class itself
    if it was published, else adjacent narrower classes (e.g. 1–3 and 4–5 for 1–5); None if impossible."""
    low, high = (0, None) if age_from is None else (age_from, age_to)

    @cache
    def from_age(start: int) -> tuple[AgeClass, ...] | None:
        fitting = [(f, t) for (f, t) in classes if f == start and (high is None or (t is not None and t <= high))]
        # The widest class first: the fewest parts; an open class ("and older") is the widest.
        for f, t in sorted(fitting, key=lambda c: (c[1] is None, c[1] or 0), reverse=True):
            if t == high:
                return ((f, t),)
            if t is not None:
                rest = from_age(t + 1)
                if rest is not None:
                    return ((f, t), *rest)
        return None

    found = from_age(low)
    return list(found) if found is not None else None


def _population(inputs: Inputs, group: Group, year: int, missing: Callable[[str, str], None]) -> dict[str, Any] | None:
    classes = {(r.age_from, r.age_to): r.count for r in inputs.forecasts if r.year == year}
    parts = tile(classes, group.age_from, group.age_to)
    if parts is None:
        missing(
            "#/population_publication_date",
            f"the population forecast published {inputs.population_publication_date} has no count for "
            f"{age_class(group.age_from, group.age_to)} on 31/12 {year} (needed by {group.activity}, target group {group.id})",
        )
        return None
    count = sum((classes[p] for p in parts), Decimal(0))
    return {
        "year": year,
        "date": f"{year}-12-31",
        "count": plain_decimal(count),
        "classes": [{"age_from": f, "age_to": t, "count": plain_decimal(classes[(f, t)])} for f, t in parts],
    }


def _demographic(inputs: Inputs, group: Group, missing: Callable[[str, str], None]) -> Component | None:
    year = inputs.budget_year
    if group.cost_per_inhabitant is None:
        missing(
            "#/budget_year",
            f"target group {group.activity}, {age_class(group.age_from, group.age_to)} ({group.id}) of board {group.board_org_unit_id} has no unit cost for {year}",
        )
    previous = _population(inputs, group, year - 1, missing)
    current = _population(inputs, group, year, missing)
    if group.cost_per_inhabitant is None or previous is None or current is None:
        return None
    budget_population = (Decimal(previous["count"]) + Decimal(current["count"])) / 2
    coverage = group.coverage_rate
    exact = group.cost_per_inhabitant * (coverage if coverage is not None else 1) * budget_population
    amount = to_ore(exact)
    coverage_words = f" × coverage {plain_decimal(coverage)}" if coverage is not None else ""
    return Component(
        kind=ComponentKind.DEMOGRAPHIC,
        amount=amount,
        target_group_id=group.id,
        explanation={
            "formula": "cost per inhabitant × coverage rate (when set) × budget population; the budget population is the "
            "mean of the forecasts for 31/12 of the year before the budget year and 31/12 of the budget year",
            "calculation": f"{_kr(group.cost_per_inhabitant)}{coverage_words} × {plain_decimal(budget_population)} inhabitants "
            f"= {plain_decimal(exact)} kr, rounded to öre {_kr(amount)}",
            "target_group": {
                "id": str(group.id),
                "activity": group.activity,
                "age_from": group.age_from,
                "age_to": group.age_to,
                "age_class": age_class(group.age_from, group.age_to),
            },
            "budget_year": year,
            "cost_per_inhabitant": format_money(group.cost_per_inhabitant),
            "coverage_rate": plain_decimal(coverage) if coverage is not None else None,
            "population_publication_date": inputs.population_publication_date.isoformat(),
            "forecasts": [previous, current],
            "budget_population": plain_decimal(budget_population),
            "exact_amount": plain_decimal(exact),
            "amount": format_money(amount),
        },
    )


def _base(base: Decimal) -> Component:
    return Component(
        kind=ComponentKind.BASE,
        amount=base,
        explanation={
            "formula": "last year's frame for the board's activities outside its target groups, given to the run: "
            "the cost of running the same activities next year before compensation",
            "calculation": f"{_kr(base)}",
            "base_amount": format_money(base),
            "amount": format_money(base),
        },
    )


def _share(kind: ComponentKind, base: Decimal, pct: Decimal, sign: int, formula: str, inputs_: dict[str, Any]) -> Component:
    exact = (sign * base * pct / HUNDRED) or Decimal(0)  # no "-0.00" for a zero requirement
    amount = to_ore(exact)
    operator = "−" if sign < 0 else ""
    return Component(
        kind=kind,
        amount=amount,
        explanation={
            "formula": formula,
            "calculation": f"{operator}{_kr(base)} × {plain_decimal(pct)} % = {plain_decimal(exact)} kr, rounded to öre {_kr(amount)}",
            "base_amount": format_money(base),
            "pct": plain_decimal(pct),
            **inputs_,
            "exact_amount": plain_decimal(exact),
            "amount": format_money(amount),
        },
    )


def compute(inputs: Inputs) -> list[BoardProposal]:
    """Each base frame's board with its components; MissingInputs names everything missing at once."""
    errors: list[dict[str, str]] = []

    def missing(pointer: str, detail: str) -> None:
        errors.append({"pointer": pointer, "detail": detail})

    if inputs.price_index_pct is None:
        missing(
            "#/price_index_publication_date",
            f"the {inputs.price_index_name} published {inputs.price_index_publication_date} has no change for {inputs.budget_year}",
        )
    for group in inputs.groups:
        if group.board_org_unit_id not in inputs.base_frames:
            missing(
                "#/base_frames",
                f"board {group.board_org_unit_id} has the target group {group.activity}, "
                f"{age_class(group.age_from, group.age_to)} but no base frame in the run",
            )
    proposals = []
    for board, base in inputs.base_frames.items():
        proposal = BoardProposal(board, base, [_base(base)])
        for group in (g for g in inputs.groups if g.board_org_unit_id == board):
            component = _demographic(inputs, group, missing)
            if component is not None:
                proposal.components.append(component)
        if inputs.price_index_pct is not None:
            proposal.components.append(
                _share(
                    ComponentKind.PRICE,
                    base,
                    inputs.price_index_pct,
                    1,
                    "price and agreement compensation: base frame × the price index's change for the budget year / 100 "
                    "(target groups are funded at the budget year's unit costs, so not indexed again)",
                    {
                        "index_name": inputs.price_index_name,
                        "publication_date": inputs.price_index_publication_date.isoformat(),
                        "year": inputs.budget_year,
                    },
                )
            )
        proposal.components.append(
            _share(
                ComponentKind.WAGE, base, inputs.wage_compensation_pct, 1, "wage compensation: base frame × wage compensation % / 100", {}
            )
        )
        proposal.components.append(
            _share(
                ComponentKind.EFFICIENCY, base, inputs.efficiency_pct, -1, "efficiency requirement: − base frame × efficiency % / 100", {}
            )
        )
        proposals.append(proposal)
    if errors:
        raise MissingInputs(errors)
    return proposals

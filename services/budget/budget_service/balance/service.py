"""The balance requirement's rules: the statement computed step by step, the result reserve limit,
and the restoration obligations a negative balance result leaves for the next three years."""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.balance import repository
from budget_service.balance.models import BalanceStatement, RestorationObligation
from budget_service.balance.policy import RESTORATION_YEARS, ResultReservePolicy
from budget_service.balance.schemas import (
    ActionPlan,
    BalanceStatementPut,
    BalanceStatementRead,
    ObligationStatus,
    RestorationObligationRead,
    RestorationObligationUpdate,
    ResultReservePolicyRead,
    StatementStep,
    Waiver,
)
from budget_service.db import auditor
from styrkedjan_common.db import lock_for_rule
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision
from styrkedjan_common.problems import Forbidden, InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import readable_units

STATEMENT, OBLIGATION = "balance_statement", "restoration_obligation"
WRITERS = (Role.FULLMAKTIGE,)
ZERO = Decimal("0.00")


class StatementInputs(Protocol):
    year: int
    result: Decimal
    realisation_gains: Decimal
    exempt_realisation_items: Decimal
    unrealised_securities_losses: Decimal
    reserve_allocation: Decimal
    reserve_use: Decimal
    exceptional_reasons_amount: Decimal
    tax_and_grants: Decimal
    equity_including_pension_liability: Decimal


@dataclass(frozen=True, slots=True)
class Computation:
    reserve_label: str
    reserve_allocation_limit: Decimal
    result_after_balance_adjustments: Decimal
    balance_result: Decimal
    earlier_deficits: Decimal
    balance_result_to_restore: Decimal
    steps: list[StatementStep]


def compute(inputs: StatementInputs, policy: ResultReservePolicy, earlier_deficits: Decimal) -> Computation:
    """The balanskravsutredning (KL 11 kap., RKR): every line with the sign it enters with."""
    label = policy.label_for(inputs.year)
    after_adjustments = inputs.result - inputs.realisation_gains + inputs.exempt_realisation_items + inputs.unrealised_securities_losses
    balance_result = after_adjustments - inputs.reserve_allocation + inputs.reserve_use + inputs.exceptional_reasons_amount
    to_restore = balance_result + earlier_deficits
    lines = [
        ("result", "Årets resultat", "Result for the year", inputs.result, False),
        ("realisation_gains", "Samtliga realisationsvinster", "All realisation gains", -inputs.realisation_gains, False),
        (
            "exempt_realisation_items",
            "Vissa realisationsvinster/-förluster enligt undantagsmöjlighet",
            "Realisation gains/losses under the exemption",
            inputs.exempt_realisation_items,
            False,
        ),
        (
            "unrealised_securities_losses",
            "Orealiserade förluster i värdepapper och återföring",
            "Unrealised losses in securities and their reversal",
            inputs.unrealised_securities_losses,
            False,
        ),
        (
            "result_after_balance_adjustments",
            "Årets resultat efter balanskravsjusteringar",
            "Result after balance requirement adjustments",
            after_adjustments,
            True,
        ),
        ("reserve_allocation", f"Reservering till {label}", "Allocation to the result reserve", -inputs.reserve_allocation, False),
        ("reserve_use", f"Användning av {label}", "Use of the result reserve", inputs.reserve_use, False),
        ("exceptional_reasons_amount", "Synnerliga skäl", "Exceptional reasons", inputs.exceptional_reasons_amount, False),
        ("balance_result", "Balanskravsresultat", "Balance result", balance_result, True),
        ("earlier_deficits", "Balanskravsunderskott från tidigare år", "Earlier deficits still to restore", earlier_deficits, False),
        ("balance_result_to_restore", "Balanskravsresultat att återställa", "Balance result to restore", to_restore, True),
    ]
    return Computation(
        reserve_label=label,
        reserve_allocation_limit=policy.allocation_limit(
            after_adjustments, inputs.tax_and_grants, inputs.equity_including_pension_liability
        ),
        result_after_balance_adjustments=after_adjustments,
        balance_result=balance_result,
        earlier_deficits=earlier_deficits,
        balance_result_to_restore=to_restore,
        steps=[StatementStep(key=k, label_sv=sv, label_en=en, amount=a, subtotal=s) for k, sv, en, a, s in lines],
    )


# --- the policy ---------------------------------------------------------------------------


def read_policy(policy: ResultReservePolicy, year: int) -> ResultReservePolicyRead:
    return ResultReservePolicyRead(
        year=year,
        label=policy.label_for(year),
        label_configured=policy.configured_label is not None,
        threshold_percent=policy.threshold_percent,
        negative_equity_threshold_percent=policy.negative_equity_threshold_percent,
        restoration_years=RESTORATION_YEARS,
    )


# --- statements ---------------------------------------------------------------------------


def ensure_writer(principal: Principal) -> None:
    # The statement belongs to the whole municipality: the writer's scope must be all of it.
    if not principal.has_any_role(WRITERS) or principal.scope_of(WRITERS) is not None:
        raise Forbidden("the balance statement is written by fullmaktige with the whole municipality in scope")


def reads_unadopted(principal: Principal) -> bool:
    """An unadopted statement is a draft of the whole municipality: read with it all in scope, or by revisor."""
    return readable_units(principal) is None


def _deficit_before(remainders: list[tuple[int, Decimal]], year: int) -> Decimal:
    return -sum((remaining for origin, remaining in remainders if origin < year), ZERO)


def to_statement_read(statement: BalanceStatement, policy: ResultReservePolicy, earlier_deficits: Decimal) -> BalanceStatementRead:
    computed = compute(statement, policy, earlier_deficits)
    return BalanceStatementRead(
        id=statement.id,
        year=statement.year,
        result=statement.result,
        realisation_gains=statement.realisation_gains,
        exempt_realisation_items=statement.exempt_realisation_items,
        unrealised_securities_losses=statement.unrealised_securities_losses,
        reserve_allocation=statement.reserve_allocation,
        reserve_use=statement.reserve_use,
        exceptional_reasons_amount=statement.exceptional_reasons_amount,
        exceptional_reasons=statement.exceptional_reasons,
        tax_and_grants=statement.tax_and_grants,
        equity_including_pension_liability=statement.equity_including_pension_liability,
        text=statement.text,
        reserve_label=computed.reserve_label,
        reserve_allocation_limit=computed.reserve_allocation_limit,
        result_after_balance_adjustments=computed.result_after_balance_adjustments,
        balance_result=computed.balance_result,
        earlier_deficits=computed.earlier_deficits,
        balance_result_to_restore=computed.balance_result_to_restore,
        steps=computed.steps,
        locked=statement.locked,
        decision=_decision(statement.decision_body, statement.decision_date, statement.decision_reference),
        created_at=statement.created_at,
        created_by=statement.created_by,
        updated_at=statement.updated_at,
        updated_by=statement.updated_by,
        row_version=statement.row_version,
    )


async def statement_reads(
    session: AsyncSession, statements: Sequence[BalanceStatement], policy: ResultReservePolicy
) -> list[BalanceStatementRead]:
    """Adopted statements show the deficits frozen at adoption; the others today's, from one query."""
    live = [s.year for s in statements if s.earlier_deficits is None]
    remainders = list(await repository.open_remainders_before(session, max(live))) if live else []
    return [
        to_statement_read(s, policy, s.earlier_deficits if s.earlier_deficits is not None else _deficit_before(remainders, s.year))
        for s in statements
    ]


async def statement_read(session: AsyncSession, statement: BalanceStatement, policy: ResultReservePolicy) -> BalanceStatementRead:
    return (await statement_reads(session, [statement], policy))[0]


async def get_statement(session: AsyncSession, principal: Principal, year: int) -> BalanceStatement:
    statement = await repository.get_statement(session, year)
    if statement is None or not (statement.locked or reads_unadopted(principal)):
        raise NotFound(f"no balance statement for {year}")
    return statement


async def list_statements(
    session: AsyncSession, principal: Principal, locked: bool | None, limit: int, before_year: int | None
) -> list[BalanceStatement]:
    if not reads_unadopted(principal):
        if locked is False:
            return []
        locked = True
    return await repository.list_statements(session, locked=locked, limit=limit, before_year=before_year)


def _check_inputs(data: BalanceStatementPut, year: int, policy: ResultReservePolicy) -> None:
    if data.exceptional_reasons_amount != 0 and not data.exceptional_reasons:
        raise InvalidInput(
            "synnerliga skäl: an amount adjusted for exceptional reasons needs the reasons written down",
            errors=[{"pointer": "#/exceptional_reasons", "detail": "required when exceptional_reasons_amount is not zero"}],
        )
    # A transient row, never added to the session: the rule reads the inputs as stored.
    check_reserve_allocation(BalanceStatement(year=year, **data.model_dump()), policy)


def check_reserve_allocation(inputs: StatementInputs, policy: ResultReservePolicy) -> None:
    computed = compute(inputs, policy, ZERO)
    limit = computed.reserve_allocation_limit
    if inputs.reserve_allocation > limit:
        percent = policy.threshold_for(inputs.equity_including_pension_liability)
        raise InvalidInput(
            f"result reserve rule: at most {limit} may be reserved to the {computed.reserve_label} in {inputs.year} — the part of the "
            f"result after balance requirement adjustments above {percent} % of tax revenue, general grants and equalisation",
            errors=[{"pointer": "#/reserve_allocation", "detail": f"at most {limit}"}],
        )


def ensure_unlocked(statement: BalanceStatement) -> None:
    if statement.locked:
        raise RuleViolation(f"the balance statement for {statement.year} is adopted by the council and locked; it cannot be changed")


async def put_statement(
    session: AsyncSession,
    principal: Principal,
    year: int,
    data: BalanceStatementPut,
    existing: BalanceStatement | None,
    policy: ResultReservePolicy,
) -> BalanceStatement:
    ensure_writer(principal)
    if existing is not None:
        ensure_unlocked(existing)
    _check_inputs(data, year, policy)
    values = data.model_dump()
    if existing is None:
        statement = BalanceStatement(year=year, **values, locked=False, created_by=principal.user_id, updated_by=principal.user_id)
        session.add(statement)
        await session.flush()
        auditor.record(session, principal, "CREATE", STATEMENT, statement.id, after=await _snapshot(session, statement, policy))
        return statement
    if all(getattr(existing, name) == value for name, value in values.items()):
        return existing  # nothing changes: no new row version, no audit event
    before = await _snapshot(session, existing, policy)
    for name, value in values.items():
        setattr(existing, name, value)
    existing.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", STATEMENT, existing.id, before=before, after=await _snapshot(session, existing, policy))
    return existing


async def adopt(
    session: AsyncSession, principal: Principal, statement: BalanceStatement, decision: Decision, policy: ResultReservePolicy
) -> BalanceStatement:
    """The council adopts the statement (with the annual report): it is locked with the deficits it
    showed, a negative balance result becomes an obligation, a positive one restores older ones."""
    ensure_writer(principal)
    ensure_unlocked(statement)
    # Adoptions run one at a time: each reads and restores the open obligations the previous one left.
    await lock_for_rule(session, "balance-statement-adoption")
    later = await repository.latest_locked_year(session)
    if later is not None and later > statement.year:
        raise RuleViolation(
            f"balance statements are adopted in year order: {later} is already adopted, so {statement.year} can no longer be"
        )
    check_reserve_allocation(statement, policy)  # the policy may have changed since the figures were entered
    before = await _snapshot(session, statement, policy)
    older = await repository.open_obligations_before(session, statement.year)
    statement.earlier_deficits = -sum((o.amount - o.restored_amount for o in older), ZERO)
    statement.locked = True
    statement.decision_body, statement.decision_date, statement.decision_reference = (
        decision.body,
        decision.decision_date,
        decision.reference,
    )
    statement.updated_by = principal.user_id
    balance_result = compute(statement, policy, statement.earlier_deficits).balance_result
    await session.flush()
    auditor.record(session, principal, "ADOPT", STATEMENT, statement.id, before=before, after=await _snapshot(session, statement, policy))
    if balance_result < 0:
        await _open_obligation(session, principal, statement, -balance_result)
    elif balance_result > 0:
        await _restore(session, principal, older, balance_result, statement.year)
    return statement


async def _open_obligation(session: AsyncSession, principal: Principal, statement: BalanceStatement, amount: Decimal) -> None:
    obligation = RestorationObligation(
        origin_year=statement.year,
        statement_id=statement.id,
        amount=amount,
        restored_amount=ZERO,
        deadline_year=statement.year + RESTORATION_YEARS,
        status=ObligationStatus.OPEN.value,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(obligation)
    await session.flush()
    auditor.record(session, principal, "CREATE", OBLIGATION, obligation.id, after=_obligation_snapshot(obligation))


async def _restore(
    session: AsyncSession, principal: Principal, open_obligations: list[RestorationObligation], surplus: Decimal, year: int
) -> None:
    """A positive balance result restores the open deficits, oldest first."""
    for obligation in open_obligations:
        if surplus <= 0:
            break
        before = _obligation_snapshot(obligation)
        applied = min(surplus, obligation.amount - obligation.restored_amount)
        surplus -= applied
        obligation.restored_amount += applied
        if obligation.restored_amount == obligation.amount:
            obligation.status, obligation.met_in_year = ObligationStatus.MET.value, year
        obligation.updated_by = principal.user_id
        await session.flush()
        auditor.record(session, principal, "RESTORE", OBLIGATION, obligation.id, before=before, after=_obligation_snapshot(obligation))


async def _snapshot(session: AsyncSession, statement: BalanceStatement, policy: ResultReservePolicy) -> dict[str, Any]:
    return (await statement_read(session, statement, policy)).model_dump(mode="json")


# --- restoration obligations --------------------------------------------------------------


def current_year() -> int:
    return dt.date.today().year


def _decision(body: str | None, date: dt.date | None, reference: str | None) -> Decision | None:
    if date is None:
        return None
    return Decision(body=body or "", decision_date=date, reference=reference or "")


def to_obligation_read(obligation: RestorationObligation) -> RestorationObligationRead:
    action_plan = None
    if obligation.action_plan_reference is not None and obligation.action_plan_date is not None:
        action_plan = ActionPlan(reference=obligation.action_plan_reference, decision_date=obligation.action_plan_date)
    status = ObligationStatus(obligation.status)
    return RestorationObligationRead(
        id=obligation.id,
        origin_year=obligation.origin_year,
        statement_id=obligation.statement_id,
        amount=obligation.amount,
        restored_amount=obligation.restored_amount,
        remaining_amount=obligation.amount - obligation.restored_amount,
        deadline_year=obligation.deadline_year,
        status=status,
        overdue=status == ObligationStatus.OPEN and current_year() > obligation.deadline_year,
        met_in_year=obligation.met_in_year,
        action_plan=action_plan,
        waiver_reasons=obligation.waiver_reasons,
        waiver_decision=_decision(obligation.waiver_body, obligation.waiver_date, obligation.waiver_reference),
        created_at=obligation.created_at,
        created_by=obligation.created_by,
        updated_at=obligation.updated_at,
        updated_by=obligation.updated_by,
        row_version=obligation.row_version,
    )


def _obligation_snapshot(obligation: RestorationObligation) -> dict[str, Any]:
    return to_obligation_read(obligation).model_dump(mode="json")


async def get_obligation(session: AsyncSession, obligation_id: uuid.UUID) -> RestorationObligation:
    obligation = await repository.get_obligation(session, obligation_id)
    if obligation is None:
        raise NotFound(f"no restoration obligation {obligation_id}")
    return obligation


async def update_obligation(
    session: AsyncSession, principal: Principal, obligation: RestorationObligation, data: RestorationObligationUpdate
) -> RestorationObligation:
    ensure_writer(principal)
    changes = changes_of(data, nullable=frozenset({"action_plan"}))
    if "action_plan" not in changes:
        return obligation
    plan = data.action_plan
    reference, date = (plan.reference, plan.decision_date) if plan else (None, None)
    if (obligation.action_plan_reference, obligation.action_plan_date) == (reference, date):
        return obligation
    before = _obligation_snapshot(obligation)
    obligation.action_plan_reference, obligation.action_plan_date = reference, date
    obligation.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", OBLIGATION, obligation.id, before=before, after=_obligation_snapshot(obligation))
    return obligation


async def waive(session: AsyncSession, principal: Principal, obligation: RestorationObligation, waiver: Waiver) -> RestorationObligation:
    """The council decides not to restore, for synnerliga skäl (KL 11 kap.)."""
    ensure_writer(principal)
    if obligation.status != ObligationStatus.OPEN.value:
        raise RuleViolation(
            f"only an open restoration obligation can be waived for exceptional reasons; the one from {obligation.origin_year} is {obligation.status}"
        )
    before = _obligation_snapshot(obligation)
    obligation.status = ObligationStatus.WAIVED.value
    obligation.waiver_reasons = waiver.reasons
    decision = waiver.decision
    obligation.waiver_body, obligation.waiver_date, obligation.waiver_reference = decision.body, decision.decision_date, decision.reference
    obligation.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "WAIVE", OBLIGATION, obligation.id, before=before, after=_obligation_snapshot(obligation))
    return obligation

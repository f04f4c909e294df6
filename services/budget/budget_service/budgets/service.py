"""The council's budget (the seed's "Mål och budget", decided in June): a budget year and two plan
years, the boards' frames for operating and investment, the lines outside the frames, earmarked
funds for assignments, and the steps of the budget cycle. The budget goes through the decision
lifecycle; a change once decided is an amendment (a new revision). The balance requirement
(balanskravet, KL 11 kap.) is checked when the budget is proposed and when it is decided."""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.budgets import repository
from budget_service.budgets.models import Budget, BudgetLine, BudgetStep, EarmarkedFund, Frame
from budget_service.budgets.schemas import (
    BudgetCreate,
    BudgetDetail,
    BudgetRead,
    BudgetUpdate,
    EarmarkedFundRead,
    EarmarkedFundsReplace,
    FrameKind,
    FrameRead,
    FramesReplace,
    LineKind,
    LineRead,
    LinesReplace,
    StepKind,
    StepRead,
    StepStatus,
    StepUpdate,
    YearTotals,
)
from budget_service.db import auditor
from budget_service.money import format_money
from budget_service.units import require_board
from styrkedjan_common.db import lock_for_rule, utcnow
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision, Status, Transition, apply_transition, ensure_draft, ensure_step
from styrkedjan_common.org_units import OrgUnitReplica
from styrkedjan_common.problems import Forbidden, InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of

ENTITY = "budget"
WRITERS = (Role.FULLMAKTIGE,)
# Boards and administrations prepare their budget- och årsplan from the council's draft frames,
# so they read drafts and proposals too; units and system administrators see decided budgets.
DRAFT_READERS = frozenset({Role.FULLMAKTIGE, Role.REVISOR, Role.NAMND, Role.FORVALTNING})
PUBLISHED = (Status.DECIDED.value, Status.ARCHIVED.value)
ALL_STATUSES = tuple(s.value for s in Status)
PLAN_YEARS = 2
# The seed's årshjul: the cycle for a budget year runs in the year before it.
DUE_MONTHS: dict[StepKind, int | None] = {
    StepKind.PLANNING_ASSUMPTIONS: 2,
    StepKind.BUDGET_DECISION: 6,
    StepKind.BOARD_ALLOCATIONS: 10,
    StepKind.AMENDMENT: None,
}
REVENUES = frozenset(
    {LineKind.TAX_REVENUE, LineKind.GENERAL_GRANTS, LineKind.EQUALISATION, LineKind.FINANCIAL_INCOME, LineKind.OTHER_REVENUE}
)
COSTS = frozenset({LineKind.FINANCIAL_COSTS, LineKind.PENSIONS, LineKind.DEPRECIATION, LineKind.OTHER_COST})
ZERO = Decimal("0.00")


def today() -> dt.date:
    """The date `late` is judged against; tests replace it."""
    return dt.date.today()


@dataclass(frozen=True)
class Parts:
    frames: list[Frame]
    lines: list[BudgetLine]
    earmarked_funds: list[EarmarkedFund]
    steps: list[BudgetStep]


# --- reading ------------------------------------------------------------------------------


def years_of(budget: Budget) -> range:
    return range(budget.year, budget.year + PLAN_YEARS + 1)


def to_read(budget: Budget) -> BudgetRead:
    return BudgetRead(
        id=budget.id,
        year=budget.year,
        plan_years=list(years_of(budget))[1:],
        title=budget.title,
        exceptional_reasons=budget.exceptional_reasons,
        status=Status(budget.status),
        revision=budget.revision,
        replaces_id=budget.replaces_id,
        decision=budget.decision(),
        created_at=budget.created_at,
        created_by=budget.created_by,
        updated_at=budget.updated_at,
        updated_by=budget.updated_by,
        row_version=budget.row_version,
    )


def frame_read(frame: Frame) -> FrameRead:
    return FrameRead(
        id=frame.id,
        budget_id=frame.budget_id,
        board_org_unit_id=frame.board_org_unit_id,
        kind=FrameKind(frame.kind),
        year=frame.year,
        amount=frame.amount,
        model_run_id=frame.model_run_id,
    )


def _line_read(line: BudgetLine) -> LineRead:
    return LineRead(id=line.id, kind=LineKind(line.kind), year=line.year, amount=line.amount)


def _fund_read(fund: EarmarkedFund) -> EarmarkedFundRead:
    return EarmarkedFundRead(
        id=fund.id,
        board_org_unit_id=fund.board_org_unit_id,
        year=fund.year,
        assignment_id=fund.assignment_id,
        amount=fund.amount,
        purpose=fund.purpose,
    )


def step_read(budget: Budget, step: BudgetStep) -> StepRead:
    due_year = budget.year - 1 if step.due_month is not None else None
    now = today()
    late = (
        step.status == StepStatus.PLANNED.value and step.due_month is not None and (now.year, now.month) > (budget.year - 1, step.due_month)
    )
    return StepRead(
        id=step.id,
        kind=StepKind(step.kind),
        due_month=step.due_month,
        due_year=due_year,
        status=StepStatus(step.status),
        decision_reference=step.decision_reference,
        completed_date=step.completed_date,
        late=late,
        row_version=step.row_version,
    )


def totals(budget: Budget, frames: Iterable[Frame], lines: Iterable[BudgetLine], funds: Iterable[EarmarkedFund]) -> list[YearTotals]:
    """Revenues and costs of each year; costs are the operating frames, the earmarked funds (granted
    in addition to the frames: "utöver ramarna") and the cost lines (investment frames are not
    costs of the year: they reach it as depreciation)."""
    revenues: dict[int, Decimal] = defaultdict(lambda: ZERO)
    costs: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for frame in frames:
        if frame.kind == FrameKind.OPERATING.value:
            costs[frame.year] += frame.amount
    for fund in funds:
        costs[fund.year] += fund.amount
    for line in lines:
        if LineKind(line.kind) in REVENUES:
            revenues[line.year] += line.amount
        else:
            costs[line.year] += line.amount
    return [
        YearTotals(year=y, revenues=revenues[y], costs=costs[y], result=revenues[y] - costs[y], deficit=costs[y] > revenues[y])
        for y in years_of(budget)
    ]


async def load_parts(session: AsyncSession, budget: Budget) -> Parts:
    return Parts(
        frames=await repository.frames(session, budget.id),
        lines=await repository.lines(session, budget.id),
        earmarked_funds=await repository.earmarked_funds(session, budget.id),
        steps=await repository.steps(session, budget.id),
    )


async def detail(session: AsyncSession, budget: Budget) -> BudgetDetail:
    parts = await load_parts(session, budget)
    order = list(StepKind)
    year_totals = totals(budget, parts.frames, parts.lines, parts.earmarked_funds)
    return BudgetDetail(
        **to_read(budget).model_dump(),
        frames=[frame_read(f) for f in parts.frames],
        lines=[_line_read(line) for line in parts.lines],
        earmarked_funds=[_fund_read(f) for f in parts.earmarked_funds],
        steps=[step_read(budget, s) for s in sorted(parts.steps, key=lambda s: order.index(StepKind(s.kind)))],
        totals=year_totals,
        balanced=not any(t.deficit for t in year_totals),
    )


def snapshot(budget: Budget) -> dict[str, Any]:
    return to_read(budget).model_dump(mode="json")


def _rows_snapshot(rows: Iterable[Any], read: Callable[[Any], Any]) -> list[dict[str, Any]]:
    return [read(row).model_dump(mode="json") for row in rows]


def readable_statuses(principal: Principal) -> tuple[str, ...]:
    # A service reaches only the operations that declare it, and there reads the whole municipality, drafts too.
    reads_drafts = principal.service is not None or principal.has_any_role(DRAFT_READERS)
    return ALL_STATUSES if reads_drafts else PUBLISHED


async def get_readable(session: AsyncSession, principal: Principal, budget_id: uuid.UUID) -> Budget:
    budget = await repository.get(session, budget_id)
    if budget is None or budget.status not in readable_statuses(principal):
        raise NotFound(f"no budget {budget_id}")
    return budget


async def list_page(
    session: AsyncSession, principal: Principal, *, year: int | None, status: Status | None, limit: int, after: tuple[int, int] | None
) -> list[Budget]:
    statuses = readable_statuses(principal)
    if status is not None:
        statuses = tuple(s for s in statuses if s == status.value)
    return await repository.list_page(session, statuses=statuses, year=year, limit=limit, after=after)


# --- rules --------------------------------------------------------------------------------


def ensure_writer(principal: Principal) -> None:
    # The budget is the whole municipality's: its writer's scope must be all of it.
    if principal.scope_of(WRITERS) is not None:
        raise Forbidden("the council's budget is written and decided by fullmaktige with the whole municipality in scope")


def check_balance(budget: Budget, frames: Iterable[Frame], lines: Iterable[BudgetLine], funds: Iterable[EarmarkedFund]) -> None:
    """Balanskravet: no year may be budgeted with a deficit unless exceptional reasons are recorded."""
    if budget.exceptional_reasons:
        return
    deficits = [t for t in totals(budget, frames, lines, funds) if t.deficit]
    if deficits:
        years = ", ".join(f"in {t.year} by {format_money(-t.result)}" for t in deficits)
        raise RuleViolation(
            f"balance requirement (balanskravet): costs exceed revenues {years}; a budget with a deficit needs "
            "exceptional reasons (synnerliga skäl) recorded before it is proposed or decided"
        )


def _check_rows(budget: Budget, collection: str, keys: Sequence[tuple[Any, ...]], years: Sequence[int], what: str) -> None:
    """Every row in the budget's years, and each `what` once: a 422 pointing at each offending row."""
    first, last = budget.year, budget.year + PLAN_YEARS
    errors = [
        {"pointer": f"#/{collection}/{index}/year", "detail": f"the budget covers {first}–{last}"}
        for index, year in enumerate(years)
        if not first <= year <= last
    ]
    seen: set[tuple[Any, ...]] = set()
    for index, key in enumerate(keys):
        if key in seen:
            errors.append({"pointer": f"#/{collection}/{index}", "detail": f"{what} is given more than once"})
        seen.add(key)
    if errors:
        raise InvalidInput(
            f"a budget's {collection.replace('_', ' ')} lie in its budget year and two plan years ({first}–{last}), {what} once",
            errors=errors,
        )


async def _ensure_no_open_revision(session: AsyncSession, year: int) -> None:
    await lock_for_rule(session, f"budget-open-revision:{year}")
    open_budget = await repository.of_year(session, year, repository.OPEN)
    if open_budget is not None:
        raise RuleViolation(
            f"one budget revision per year is prepared at a time: revision {open_budget.revision} for {year} is still {open_budget.status}"
        )


# --- writing ------------------------------------------------------------------------------


async def _insert(session: AsyncSession, principal: Principal, data: BudgetCreate, replaces: Budget | None, source: Parts | None) -> Budget:
    await _ensure_no_open_revision(session, data.year)
    who = {"created_by": principal.user_id, "updated_by": principal.user_id}
    budget = Budget(
        year=data.year,
        title=data.title,
        exceptional_reasons=data.exceptional_reasons,
        status=Status.DRAFT.value,
        revision=await repository.max_revision(session, data.year) + 1,
        replaces_id=replaces.id if replaces else None,
        **who,
    )
    session.add(budget)
    await session.flush()
    copied = {StepKind(s.kind): s for s in source.steps} if source else {}
    session.add_all(
        BudgetStep(
            budget_id=budget.id,
            kind=kind.value,
            due_month=due_month,
            # An amendment continues the same cycle: the steps already taken stay taken.
            status=copied[kind].status if kind in copied else StepStatus.PLANNED.value,
            decision_reference=copied[kind].decision_reference if kind in copied else None,
            completed_date=copied[kind].completed_date if kind in copied else None,
            **who,
        )
        for kind, due_month in DUE_MONTHS.items()
    )
    if source is not None:
        session.add_all(
            Frame(
                budget_id=budget.id,
                board_org_unit_id=f.board_org_unit_id,
                kind=f.kind,
                year=f.year,
                amount=f.amount,
                model_run_id=f.model_run_id,
                **who,
            )
            for f in source.frames
        )
        session.add_all(BudgetLine(budget_id=budget.id, kind=line.kind, year=line.year, amount=line.amount, **who) for line in source.lines)
        session.add_all(
            EarmarkedFund(
                budget_id=budget.id,
                board_org_unit_id=f.board_org_unit_id,
                year=f.year,
                assignment_id=f.assignment_id,
                amount=f.amount,
                purpose=f.purpose,
                **who,
            )
            for f in source.earmarked_funds
        )
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, budget.id, after=snapshot(budget))
    return budget


async def create(session: AsyncSession, principal: Principal, data: BudgetCreate) -> Budget:
    ensure_writer(principal)
    decided = await repository.of_year(session, data.year, (Status.DECIDED.value,))
    if decided is not None:
        raise RuleViolation(
            f"the budget for {data.year} is decided (revision {decided.revision}); change it with an amendment, "
            f"POST /budgets/{decided.id}/revisions"
        )
    return await _insert(session, principal, data, None, None)


async def new_revision(session: AsyncSession, principal: Principal, source_id: uuid.UUID) -> Budget:
    """An amendment (ändringsbudget): a draft copying the decided budget, its frames, lines and
    earmarked funds; deciding it archives the budget it replaces."""
    ensure_writer(principal)
    source = await get_readable(session, principal, source_id)
    if source.status != Status.DECIDED.value:
        raise RuleViolation("an amendment starts from the decided budget in force")
    content = BudgetCreate(year=source.year, title=source.title, exceptional_reasons=source.exceptional_reasons)
    return await _insert(session, principal, content, source, await load_parts(session, source))


def _touch(budget: Budget, principal: Principal) -> None:
    budget.updated_by = principal.user_id
    budget.updated_at = utcnow()  # an UPDATE even by the same author: the budget's ETag must change


async def update(session: AsyncSession, principal: Principal, budget: Budget, data: BudgetUpdate) -> Budget:
    ensure_writer(principal)
    ensure_draft(budget)
    changes = changes_of(data, nullable=frozenset({"exceptional_reasons"}))
    if all(getattr(budget, name) == value for name, value in changes.items()):
        return budget  # nothing changes: no new row version, no audit event
    before = snapshot(budget)
    for name, value in changes.items():
        setattr(budget, name, value)
    _touch(budget, principal)
    await session.flush()
    auditor.record(session, principal, "UPDATE", ENTITY, budget.id, before=before, after=snapshot(budget))
    return budget


async def _replace(
    session: AsyncSession,
    principal: Principal,
    budget: Budget,
    action: str,
    model: type[Any],
    old: list[Any],
    new: list[Any],
    read: Callable[[Any], Any],
) -> Budget:
    """Replaces one kind of the budget's rows; the budget's row version moves with them (its ETag covers its parts)."""
    key = model.__tablename__
    before = snapshot(budget) | {key: _rows_snapshot(old, read)}
    await repository.replace(session, model, budget.id, new)
    _touch(budget, principal)
    await session.flush()
    auditor.record(session, principal, action, ENTITY, budget.id, before=before, after=snapshot(budget) | {key: _rows_snapshot(new, read)})
    return budget


async def _check_boards(org_units: OrgUnitReplica, collection: str, rows: Sequence[Any]) -> None:
    """Each row's board is a board in the directory, valid today and in the row's year."""
    for index, row in enumerate(rows):
        await require_board(org_units, row.board_org_unit_id, f"#/{collection}/{index}/board_org_unit_id", row.year)


async def replace_frames(
    session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, budget: Budget, data: FramesReplace
) -> Budget:
    ensure_writer(principal)
    ensure_draft(budget)
    await _check_boards(org_units, "frames", data.frames)
    _check_rows(
        budget,
        "frames",
        [(f.board_org_unit_id, f.kind, f.year) for f in data.frames],
        [f.year for f in data.frames],
        "a frame per board, kind and year",
    )
    who = {"created_by": principal.user_id, "updated_by": principal.user_id}
    rows = [Frame(budget_id=budget.id, **f.model_dump(), **who) for f in data.frames]
    return await _replace(
        session, principal, budget, "REPLACE_FRAMES", Frame, await repository.frames(session, budget.id), rows, frame_read
    )


async def replace_lines(session: AsyncSession, principal: Principal, budget: Budget, data: LinesReplace) -> Budget:
    ensure_writer(principal)
    ensure_draft(budget)
    _check_rows(
        budget, "lines", [(line.kind, line.year) for line in data.lines], [line.year for line in data.lines], "a line per kind and year"
    )
    who = {"created_by": principal.user_id, "updated_by": principal.user_id}
    rows = [BudgetLine(budget_id=budget.id, **line.model_dump(), **who) for line in data.lines]
    return await _replace(
        session, principal, budget, "REPLACE_LINES", BudgetLine, await repository.lines(session, budget.id), rows, _line_read
    )


async def replace_earmarked_funds(
    session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, budget: Budget, data: EarmarkedFundsReplace
) -> Budget:
    ensure_writer(principal)
    ensure_draft(budget)
    funds = data.earmarked_funds
    await _check_boards(org_units, "earmarked_funds", funds)
    _check_rows(
        budget,
        "earmarked_funds",
        [(f.board_org_unit_id, f.year, f.assignment_id) for f in funds],
        [f.year for f in funds],
        "earmarked funds per board, year and assignment",
    )
    who = {"created_by": principal.user_id, "updated_by": principal.user_id}
    rows = [EarmarkedFund(budget_id=budget.id, **f.model_dump(), **who) for f in funds]
    old = await repository.earmarked_funds(session, budget.id)
    return await _replace(session, principal, budget, "REPLACE_EARMARKED_FUNDS", EarmarkedFund, old, rows, _fund_read)


async def _ensure_balanced(session: AsyncSession, budget: Budget) -> None:
    check_balance(
        budget,
        await repository.frames(session, budget.id),
        await repository.lines(session, budget.id),
        await repository.earmarked_funds(session, budget.id),
    )


async def _take_decided_step(session: AsyncSession, budget: Budget, principal: Principal) -> None:
    """Deciding the budget takes its cycle's step: the June decision, or an amendment."""
    kind = StepKind.AMENDMENT if budget.replaces_id else StepKind.BUDGET_DECISION
    step = await repository.step(session, budget.id, kind.value)
    if step is not None and step.status == StepStatus.PLANNED.value:
        step.status = StepStatus.DONE.value
        step.decision_reference = budget.decision_reference
        step.completed_date = budget.decision_date
        step.updated_by = principal.user_id


async def transition(
    session: AsyncSession, principal: Principal, budget: Budget, step: Transition, decision: Decision | None = None
) -> Budget:
    ensure_writer(principal)
    ensure_step(budget, step)  # a step out of order is refused before the balance is weighed
    if step in (Transition.PROPOSE, Transition.DECIDE):
        await _ensure_balanced(session, budget)
    replaced = await repository.get(session, budget.replaces_id) if step == Transition.DECIDE and budget.replaces_id else None
    return await apply_transition(
        session,
        auditor,
        principal,
        budget,
        step,
        decision,
        entity=ENTITY,
        snapshot=snapshot,
        superseded=replaced,
        effect=partial(_take_decided_step, session, budget, principal) if step == Transition.DECIDE else None,
    )


async def delete(session: AsyncSession, principal: Principal, budget: Budget) -> None:
    ensure_writer(principal)
    if budget.status != Status.DRAFT.value:
        raise RuleViolation("only a draft budget can be deleted; proposed and decided budgets are kept for the record")
    before = snapshot(budget)
    await session.delete(budget)  # its frames, lines, funds and steps go with it (ON DELETE CASCADE)
    await session.flush()
    auditor.record(session, principal, "DELETE", ENTITY, budget.id, before=before)


# --- the cycle's steps --------------------------------------------------------------------


async def get_step(session: AsyncSession, budget: Budget, kind: StepKind) -> BudgetStep:
    step = await repository.step(session, budget.id, kind.value)
    if step is None:
        raise NotFound(f"budget {budget.id} has no step {kind.value}")
    return step


async def record_step(session: AsyncSession, principal: Principal, budget: Budget, step: BudgetStep, data: StepUpdate) -> BudgetStep:
    """Steps are recorded on a decided budget too (the boards allocate in October, after June's
    decision); an archived budget's cycle is closed."""
    ensure_writer(principal)
    if budget.status == Status.ARCHIVED.value:
        raise RuleViolation("the budget cycle of an archived budget is closed; record the step on the budget in force")
    changes = changes_of(data, nullable=frozenset({"decision_reference", "completed_date"}))
    if "status" in changes:
        changes["status"] = changes["status"].value
        if changes["status"] == StepStatus.DONE.value:
            changes.setdefault("completed_date", step.completed_date or today())
        else:
            changes.setdefault("completed_date", None)  # a step planned again is no longer completed
    if all(getattr(step, name) == value for name, value in changes.items()):
        return step
    before = {"step": step_read(budget, step).model_dump(mode="json")}
    for name, value in changes.items():
        setattr(step, name, value)
    step.updated_by = principal.user_id
    await session.flush()
    after = {"step": step_read(budget, step).model_dump(mode="json")}
    auditor.record(session, principal, "RECORD_STEP", ENTITY, budget.id, before=before, after=after)
    return step

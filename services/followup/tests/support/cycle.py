"""What the tests of the annual cycle, the occasions and the assessment scale share: making a
year's cycle, reading it, and counting what is stored (a refusal changes none of it)."""

import uuid
from typing import Any

from sqlalchemy import func, select

from followup_service.cycle.models import CycleStep, Occasion
from followup_service.db import AuditEvent
from followup_service.reports.models import GoalAssessment, Report
from followup_service.scale.models import AssessmentLevel
from styrkedjan_common.identity import Role

API = "/api/followup/v1"
YEAR = 2090  # far ahead: no step of it is late on any day the tests run
PAST_YEAR = 2020  # long gone: every step not done is late


def council(as_role: Any, **kw: Any) -> dict[str, str]:
    return as_role(Role.FULLMAKTIGE, **kw)


async def make_cycle(client: Any, headers: dict[str, str], year: int = YEAR) -> dict[str, Any]:
    response = await client.post(f"{API}/cycles/{year}", headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def occasion_of(cycle: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(o for o in cycle["occasions"] if o["kind"] == kind)


async def read(client: Any, headers: dict[str, str], path: str) -> Any:
    """The resource and its ETag."""
    response = await client.get(f"{API}{path}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json(), response.headers.get("etag")


async def patch(client: Any, headers: dict[str, str], path: str, body: dict[str, Any], *, if_match: str | None = "*") -> Any:
    extra = {"If-Match": if_match} if if_match else {}
    return await client.patch(f"{API}{path}", json=body, headers={**headers, **extra})


async def stored(app: Any) -> dict[str, Any]:
    """Every row of the cycle, the occasions and the scale as written, and how many audit events."""
    async with app.state.sessionmaker() as session:
        steps = (await session.scalars(select(CycleStep).order_by(CycleStep.year, CycleStep.number))).all()
        occasions = (await session.scalars(select(Occasion).order_by(Occasion.year, Occasion.kind))).all()
        levels = (await session.scalars(select(AssessmentLevel).order_by(AssessmentLevel.position))).all()
        audit = await session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        columns = (
            "year", "number", "status", "planned_start", "planned_end", "done_on", "note", "row_version",
        )  # fmt: skip
        occasion_columns = (
            "year", "kind", "period_end", "statutory", "unit_deadline", "administration_deadline", "board_deadline",
            "executive_board_deadline", "council_deadline", "headings", "row_version",
        )  # fmt: skip
        return {
            "steps": [tuple(getattr(s, c) for c in columns) for s in steps],
            "occasions": [tuple(str(getattr(o, c)) for c in occasion_columns) for o in occasions],
            "levels": [(lv.code, lv.label_sv, lv.colour, lv.position, lv.assessed) for lv in levels],
            "audit": audit,
        }


async def add_report(app: Any, occasion_id: str, status: str = "SUBMITTED", level_codes: tuple[str, ...] = ()) -> uuid.UUID:
    """A report of the occasion in `status` (as the reports store it), with goal assessments on these levels."""
    async with app.state.sessionmaker() as session, session.begin():
        occasion = await session.get(Occasion, uuid.UUID(occasion_id))
        assert occasion is not None
        report = Report(
            occasion_id=occasion.id,
            year=occasion.year,
            occasion=occasion.kind,
            org_unit_id=uuid.uuid4(),
            level="UNIT",
            status=status,
            created_by="test",
            updated_by="test",
        )
        session.add(report)
        await session.flush()
        for code in level_codes:
            session.add(
                GoalAssessment(
                    report_id=report.id,
                    goal_id=uuid.uuid4(),
                    kind="DIRECTION",
                    level_code=code,
                    analysis="",
                    created_by="test",
                    updated_by="test",
                )
            )
        return report.id


async def audit_events(app: Any, entity_type: str) -> list[AuditEvent]:
    async with app.state.sessionmaker() as session:
        query = select(AuditEvent).where(AuditEvent.entity_type == entity_type).order_by(AuditEvent.occurred_at)
        return list((await session.scalars(query)).all())

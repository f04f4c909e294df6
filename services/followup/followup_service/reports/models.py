"""The mapped tables of the follow-up reports: the report of an org unit at an occasion, its goal
assessments and narrative sections, and the compilation's record of who is missing."""

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followup_service.db import FollowupBase
from styrkedjan_common.db import JSONType, Tracked, UTCDateTime, new_id
from styrkedjan_common.lifecycle import Decided


class Report(FollowupBase, Decided, Tracked):
    """An org unit's report at a follow-up, one revision of it. A unit's or an administration's
    report is submitted to the level above (SUBMITTED), which may return it; a board's report is
    proposed and decided; the municipal report is compiled by the executive board and adopted by
    the council. `live` holds what the other services answered at the last refresh; `document`
    is the frozen snapshot (canonical JSON) taken at submission or decision, with its hash."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("occasion_id", "org_unit_id", "revision", name="uq_report_occasion_unit_revision"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    occasion_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("occasion.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    occasion: Mapped[str] = mapped_column(String(20))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    # UNIT, ADMINISTRATION, BOARD (boards, companies and federations) or MUNICIPAL.
    level: Mapped[str] = mapped_column(String(20), index=True)
    returned_comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    live: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    live_taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    document: Mapped[str | None] = mapped_column(Text)
    document_hash: Mapped[str | None] = mapped_column(String(64))
    frozen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class GoalAssessment(FollowupBase, Tracked):
    """A report's assessment of one goal in force (måluppfyllelse): a level of the scale and the
    analysis behind it; "not assessed" carries its reason."""

    __tablename__ = "goal_assessment"
    __table_args__ = (UniqueConstraint("report_id", "goal_id", name="uq_goal_assessment_report_goal"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    # The goal's lineage: the same goal through its revisions.
    goal_id: Mapped[uuid.UUID] = mapped_column()
    # DIRECTION (FORECAST), FORECAST_YEAR_END (INTERIM) or OUTCOME (ANNUAL).
    kind: Mapped[str] = mapped_column(String(30))
    level_code: Mapped[str] = mapped_column(String(40))
    analysis: Mapped[str] = mapped_column(Text, default="")
    not_assessed_reason: Mapped[str] = mapped_column(Text, default="")


class ReportSection(FollowupBase, Tracked):
    """A report's narrative under one of its occasion's headings."""

    __tablename__ = "report_section"
    __table_args__ = (UniqueConstraint("report_id", "heading", name="uq_report_section_report_heading"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    heading: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text, default="")


class MissingReport(FollowupBase, Tracked):
    """The executive board's record, in its compilation, that a board's or company's report is
    missing, with the reason: it lets the compilation go forward without it."""

    __tablename__ = "missing_report"
    __table_args__ = (UniqueConstraint("report_id", "org_unit_id", name="uq_missing_report_report_unit"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[uuid.UUID] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)

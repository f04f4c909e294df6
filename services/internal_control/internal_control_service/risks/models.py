import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from internal_control_service.db import InternalControlBase
from styrkedjan_common.db import Tracked, new_id


class RiskAssessment(InternalControlBase, Tracked):
    """A board's risk and materiality assessment (risk- och väsentlighetsanalys) for a year."""

    __tablename__ = "risk_assessment"
    __table_args__ = (UniqueConstraint("board_org_unit_id", "year", name="uq_risk_assessment_board_year"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    board_org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")


class Risk(InternalControlBase, Tracked):
    """A risk in an assessment; its value is likelihood × consequence (1–16)."""

    __tablename__ = "risk"
    __table_args__ = (
        CheckConstraint("likelihood BETWEEN 1 AND 4", name="likelihood_scale"),
        CheckConstraint("consequence BETWEEN 1 AND 4", name="consequence_scale"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk_assessment.id", ondelete="CASCADE"), index=True)
    process: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    likelihood: Mapped[int] = mapped_column(Integer)
    consequence: Mapped[int] = mapped_column(Integer)
    # ACCEPT (the risk is borne) or CONTROL (a control activity addresses it).
    decision: Mapped[str] = mapped_column(String(20))
    decision_note: Mapped[str] = mapped_column(Text, default="")

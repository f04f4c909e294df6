import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from goals_service.db import GoalsBase
from styrkedjan_common.db import JSONType, Tracked, new_id

# Indicator values: counts, shares, kronor, scores; six decimals are enough for all of them.
Value = Numeric(20, 6)


class Indicator(GoalsBase, Tracked):
    """A catalogue entry (nyckeltalskatalog): the shared definition of a key figure."""

    __tablename__ = "indicator"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(50))
    direction: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    kolada_kpi_id: Mapped[str | None] = mapped_column(String(20), index=True)
    gender_split: Mapped[bool] = mapped_column(Boolean, default=False)
    sdgs: Mapped[list[int]] = mapped_column(JSONType, default=list)
    external_codes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class IndicatorUse(GoalsBase, Tracked):
    """An indicator followed by an org unit for one goal (by lineage) or one quality factor."""

    __tablename__ = "indicator_use"
    __table_args__ = (CheckConstraint("(goal_lineage_id IS NULL) <> (quality_factor_id IS NULL)", name="one_subject"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    indicator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("indicator.id"), index=True)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    goal_lineage_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    quality_factor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quality_factor.id"), index=True)
    responsible: Mapped[str] = mapped_column(String(200), default="")
    # Share of the target that counts as met / nearly met; None: the service's defaults.
    thresholds: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class IndicatorTarget(GoalsBase, Tracked):
    __tablename__ = "indicator_target"
    __table_args__ = (UniqueConstraint("use_id", "year", name="uq_indicator_target_use_year"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    use_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("indicator_use.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal | None] = mapped_column(Value)
    women: Mapped[Decimal | None] = mapped_column(Value)
    men: Mapped[Decimal | None] = mapped_column(Value)
    comment: Mapped[str] = mapped_column(Text, default="")


class IndicatorOutcome(GoalsBase, Tracked):
    """A measured value for one period: "2027" (year), "2027-T2" (tertial), "2027-Q3", "2027-05"."""

    __tablename__ = "indicator_outcome"
    __table_args__ = (
        UniqueConstraint("use_id", "period", name="uq_indicator_outcome_use_period"),
        Index("ix_indicator_outcome_use_order", "use_id", "year", "period_index"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    use_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("indicator_use.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    # Position of the period within its year on a monthly scale (the month it ends), for ordering.
    period_index: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal | None] = mapped_column(Value)
    women: Mapped[Decimal | None] = mapped_column(Value)
    men: Mapped[Decimal | None] = mapped_column(Value)
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="")

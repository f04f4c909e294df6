import uuid

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from goals_service.db import GoalsBase
from styrkedjan_common.db import Tracked, new_id
from styrkedjan_common.lifecycle import Decided


class Plan(GoalsBase, Decided, Tracked):
    """A board plan (budget- och årsplan) or an operational plan (verksamhetsplan) of an
    administration or unit, for one year, one revision of it."""

    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("kind", "org_unit_id", "year", "revision", name="uq_plan_kind_unit_year_revision"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # The board plan's reference to the economy: frames and allocations live in the budget service.
    economy: Mapped[str] = mapped_column(Text, default="")


class PlanItem(GoalsBase):
    """What a plan contains: goals (by lineage), quality factors, focus areas, activities and
    indicator uses, with the plan's own timing, responsible and who follows it up."""

    __tablename__ = "plan_item"
    __table_args__ = (UniqueConstraint("plan_id", "item_type", "item_id", name="uq_plan_item_plan_item"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    item_type: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[uuid.UUID] = mapped_column()
    position: Mapped[int] = mapped_column(Integer, default=0)
    timing: Mapped[str] = mapped_column(String(200), default="")
    responsible: Mapped[str] = mapped_column(String(200), default="")
    followed_up_by: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")

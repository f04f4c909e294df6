import uuid
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from goals_service.db import GoalsBase
from styrkedjan_common.db import JSONType, Tracked, new_id
from styrkedjan_common.lifecycle import Decided


class CoreMission(GoalsBase, Decided, Tracked):
    """A board's or company's core mission (grunduppdrag), one revision of it."""

    __tablename__ = "core_mission"
    __table_args__ = (UniqueConstraint("org_unit_id", "revision", name="uq_core_mission_org_unit_revision"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    idea_and_responsibilities: Mapped[str] = mapped_column(Text)
    target_groups: Mapped[list[str]] = mapped_column(JSONType, default=list)
    legislation: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # [{"title": ..., "reference": ...}]: the key steering documents (styrdokument).
    steering_documents: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

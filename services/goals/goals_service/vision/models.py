import uuid
from typing import Any

from sqlalchemy import CheckConstraint, Integer, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from goals_service.db import GoalsBase
from styrkedjan_common.db import JSONType, Tracked, new_id
from styrkedjan_common.lifecycle import Decided


class VisionVersion(GoalsBase, Decided, Tracked):
    """One revision of the municipality's vision and core values."""

    __tablename__ = "vision_version"
    __table_args__ = (CheckConstraint("horizon_end_year >= horizon_start_year", name="horizon_order"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # The municipality has one vision: its revisions are numbered once, whatever they replace.
    revision: Mapped[int] = mapped_column(Integer, unique=True)
    horizon_start_year: Mapped[int] = mapped_column(Integer)
    horizon_end_year: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    core_values: Mapped[list[dict[str, str]]] = mapped_column(JSONType)
    # The vision's codes in other systems, by system (Stratsys's structure file names its vision node).
    external_codes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, server_default=sql_text("'{}'"))

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from goals_service.db import GoalsBase
from styrkedjan_common.db import JSONType, UTCDateTime, new_id, utcnow


class VisionVersion(GoalsBase):
    """One revision of the municipality's vision and core values."""

    __tablename__ = "vision_version"
    __table_args__ = (
        CheckConstraint("horizon_end_year >= horizon_start_year", name="horizon_order"),
        Index("ix_vision_version_status", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    revision: Mapped[int] = mapped_column(Integer, unique=True)
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vision_version.id"))
    status: Mapped[str] = mapped_column(String(20))
    horizon_start_year: Mapped[int] = mapped_column(Integer)
    horizon_end_year: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    core_values: Mapped[list[dict[str, str]]] = mapped_column(JSONType)
    decision_body: Mapped[str | None] = mapped_column(String(200))
    decision_date: Mapped[dt.date | None] = mapped_column(Date)
    decision_reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    # Optimistic locking: every UPDATE checks and bumps it; it is also the ETag.
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}

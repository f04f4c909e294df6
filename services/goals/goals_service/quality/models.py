import uuid

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from goals_service.db import GoalsBase
from styrkedjan_common.db import Tracked, new_id


class QualityFactor(GoalsBase, Tracked):
    """A critical quality factor (kritisk kvalitetsfaktor) of an administration or a unit below it;
    its key figures are indicator uses that name it."""

    __tablename__ = "quality_factor"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    org_unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

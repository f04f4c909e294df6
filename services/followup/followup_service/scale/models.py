"""The mapped table of the goal-assessment scale."""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from followup_service.db import FollowupBase
from styrkedjan_common.db import Tracked


class AssessmentLevel(FollowupBase, Tracked):
    """A level of the goal-assessment scale (default: uppfyllt, delvis uppfyllt, ej uppfyllt,
    ej bedömt), with its colour; a level that is not an assessment needs a reason."""

    __tablename__ = "assessment_level"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    label_sv: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100), default="")
    colour: Mapped[str] = mapped_column(String(7))
    assessed: Mapped[bool] = mapped_column(default=True)

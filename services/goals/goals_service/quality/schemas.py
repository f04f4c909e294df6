import datetime as dt
import uuid

from pydantic import BaseModel, Field, computed_field

from goals_service.units import UNIT_NAME, name_of
from styrkedjan_common.http import EMBEDDED_MAX
from styrkedjan_common.org_units import OrgUnitName
from styrkedjan_common.schemas import InputModel


class QualityFactorCreate(InputModel):
    org_unit_id: uuid.UUID = Field(description="The administration, or a unit below it, whose quality factor this is")
    name: str = Field(min_length=1, max_length=300, examples=["Trygg och säker vård"])
    description: str = Field(default="", max_length=5000, examples=["Brukarna känner sig trygga med insatserna och personalen."])
    active: bool = True


class QualityFactorUpdate(InputModel):
    """Fields left out are unchanged; `active: false` retires a factor that key figures or activities still name."""

    org_unit_id: uuid.UUID | None = None
    name: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    active: bool | None = None


class KeyFigure(BaseModel):
    """An indicator use that follows the quality factor (nyckeltal)."""

    use_id: uuid.UUID
    indicator_id: uuid.UUID
    indicator_name: str = Field(examples=["Andel brukare som känner sig trygga"])
    unit: str = Field(examples=["%"])
    kolada_kpi_id: str | None = Field(examples=["U21468"])


class QualityFactorRead(BaseModel):
    id: uuid.UUID
    org_unit_id: uuid.UUID

    @computed_field(description=UNIT_NAME)  # type: ignore[prop-decorator]
    @property
    def org_unit(self) -> OrgUnitName | None:
        return name_of(self.org_unit_id)

    name: str = Field(examples=["Trygg och säker vård"])
    description: str
    active: bool
    key_figures: list[KeyFigure] = Field(
        description=f"By indicator name, at most {EMBEDDED_MAX}; all of them from GET /indicator-uses?quality_factor_id=…"
    )
    key_figure_count: int = Field(description="How many key figures follow the factor in all", examples=[3])
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int

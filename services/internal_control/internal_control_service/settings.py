from functools import lru_cache
from typing import Self

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from styrkedjan_common.settings import ServiceSettings


class InternalControlSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTERNAL_CONTROL_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/internal_control.db"
    # The risk scales are each municipality's wording: labels of the levels 1–4, and colour bands
    # over the risk value (likelihood × consequence, 1–16) as "from-to label #colour; ...".
    risk_likelihood_labels: list[str] = ["Osannolik", "Mindre sannolik", "Möjlig", "Sannolik"]
    risk_consequence_labels: list[str] = ["Försumbar", "Lindrig", "Kännbar", "Allvarlig"]
    risk_bands: str = "1-3 Låg #2E7D32; 4-6 Medel #F9A825; 8-9 Hög #EF6C00; 12-16 Mycket hög #C62828"

    @model_validator(mode="after")
    def _risk_scales_hold(self) -> Self:
        # A band set that leaves a risk value without a colour is refused at start, not on a request.
        from internal_control_service.risks.scales import scales_of

        scales_of(self)
        return self


@lru_cache
def get_settings() -> InternalControlSettings:
    return InternalControlSettings()

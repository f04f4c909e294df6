from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from styrkedjan_common.settings import ServiceSettings


class GoalsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GOALS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/goals.db"
    # The seed: a vision has a 10–15 year perspective.
    vision_horizon_min_years: int = 10
    vision_horizon_max_years: int = 15


@lru_cache
def get_settings() -> GoalsSettings:
    return GoalsSettings()

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from styrkedjan_common.settings import ServiceSettings


class BudgetSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BUDGET_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/budget.db"


@lru_cache
def get_settings() -> BudgetSettings:
    return BudgetSettings()

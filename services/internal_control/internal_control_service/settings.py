from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from styrkedjan_common.settings import ServiceSettings


class InternalControlSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTERNAL_CONTROL_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/internal_control.db"


@lru_cache
def get_settings() -> InternalControlSettings:
    return InternalControlSettings()

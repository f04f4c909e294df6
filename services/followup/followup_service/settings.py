from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from styrkedjan_common.settings import ServiceSettings


class FollowupSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FOLLOWUP_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/followup.db"


@lru_cache
def get_settings() -> FollowupSettings:
    return FollowupSettings()

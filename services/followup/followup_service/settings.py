from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from styrkedjan_common.settings import ServiceSettings


class FollowupSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FOLLOWUP_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/followup.db"
    # Where the services the follow-up report is compiled from answer this service directly
    # (their addresses inside the deployment), called with the service's own key.
    goals_url: str = "http://127.0.0.1:8001"
    budget_url: str = "http://127.0.0.1:8002"
    internal_control_url: str = "http://127.0.0.1:8004"


@lru_cache
def get_settings() -> FollowupSettings:
    return FollowupSettings()

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from styrkedjan_common.settings import ServiceSettings


class GoalsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GOALS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/goals.db"
    # The seed: a vision has a 10–15 year perspective.
    vision_horizon_min_years: int = 10
    vision_horizon_max_years: int = 15
    # The seed's "Målstyrning": four-year terms, at most five municipal goals per term and three
    # board goals in force per board, and few indicators per goal.
    mandate_period_years: int = 4
    max_municipal_goals: int = 5
    max_board_goals_in_force: int = 3
    max_indicators_per_goal: int = 5
    # An indicator's status: met at or beyond the target, nearly met within this share of it.
    indicator_near_target_share: float = 0.9
    # The activity statuses the municipality uses; the first is where a new activity starts.
    activity_statuses: list[str] = ["NOT_STARTED", "ONGOING", "DONE", "PAUSED", "CANCELLED"]


@lru_cache
def get_settings() -> GoalsSettings:
    return GoalsSettings()

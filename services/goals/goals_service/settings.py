from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from styrkedjan_common.settings import ServiceSettings


class GoalsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GOALS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/goals.db"
    # Kolada (the national key figures, read-only API v3): where it answers (empty: no sync), our
    # municipality's id (Hallstahammar), the key figures the sync brings into the catalogue beside
    # those already there, and how many years back a full sync reads.
    kolada_base_url: str = "https://api.kolada.se/v3"
    kolada_municipality_id: str = "1961"
    kolada_kpi_ids: list[str] = []
    kolada_years_back: int = Field(default=5, ge=0, le=30)
    # The scheduled sync: off unless enabled (a network without internet imports Kolada's files).
    kolada_sync_enabled: bool = False
    kolada_sync_interval_seconds: float = Field(default=86400.0, gt=0)
    kolada_lease_seconds: float = Field(default=3600.0, gt=0)
    # Each call to Kolada: how long to wait, how many attempts when rate limited (429), the longest
    # wait a Retry-After may ask for, and the page size.
    kolada_timeout_seconds: float = Field(default=30.0, gt=0)
    kolada_max_attempts: int = Field(default=4, ge=1, le=10)
    kolada_max_retry_after_seconds: float = Field(default=60.0, ge=0)
    kolada_per_page: int = Field(default=5000, ge=1, le=5000)
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
    # Stratsys's KPI data files (layouts 1 and 2): what each measure column is here (outcome or
    # target . total, women or men), and the largest file taken (500,000 values are some 22 MB).
    stratsys_kpi_columns: dict[str, str] = {
        "UTFALL": "outcome.total",
        "UTFALL_K": "outcome.women",
        "UTFALL_M": "outcome.men",
        "MALVARDE": "target.total",
        "MALVARDE_K": "target.women",
        "MALVARDE_M": "target.men",
    }
    stratsys_kpidata_max_bytes: int = 256 * 1024 * 1024
    # The activity statuses the municipality uses; the first is where a new activity starts.
    activity_statuses: list[str] = ["NOT_STARTED", "ONGOING", "DONE", "PAUSED", "CANCELLED"]
    # Where the follow-up service answers this service directly (its address inside the
    # deployment): Stratsys's structure file carries the goals' assessments, which it keeps.
    followup_url: str = "http://127.0.0.1:8003"
    # Stratsys's structure file (layout 3): the scorecard's name ({year} is the file's year), and
    # Stratsys's codes of the assessment levels and activity statuses beside ours (Stratsys → ours).
    stratsys_scorecard_name: str = "Mål och budget {year}"
    stratsys_assessment_levels: dict[str, str] = {"UPPFYLLT": "UPPFYLLT", "DELVIS": "DELVIS_UPPFYLLT", "EJ_UPPFYLLT": "EJ_UPPFYLLT"}
    stratsys_activity_statuses: dict[str, str] = {
        "EJ_PABORJAD": "NOT_STARTED",
        "PAGAENDE": "ONGOING",
        "AVSLUTAD": "DONE",
        "PAUSAD": "PAUSED",
        "AVBRUTEN": "CANCELLED",
    }
    # The measure unit of an indicator a structure file creates (the file names none).
    stratsys_indicator_unit: str = "st"


@lru_cache
def get_settings() -> GoalsSettings:
    return GoalsSettings()

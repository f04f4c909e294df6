from decimal import Decimal
from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from styrkedjan_common.settings import ServiceSettings


class BudgetSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BUDGET_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/budget.db"
    # The result reserve policy (KL 11 kap.): its label (empty: by the year — resultatutjämningsreserv
    # before 2024, resultatreserv since) and the share of tax revenue and grants above which a
    # surplus may be reserved (higher when equity including the pension liability is negative).
    result_reserve_label: str = ""
    result_reserve_threshold_percent: Decimal = Decimal("1")
    result_reserve_threshold_percent_negative_equity: Decimal = Decimal("2")
    # Planning-assumption files are small (a forecast has a few hundred rows): bounds, not tuning.
    assumptions_import_max_bytes: int = 10_000_000
    assumptions_import_max_rows: int = 100_000
    # A year of a large municipality's actuals is about 30 MB of CSV; streamed, so only disk bounds it.
    actuals_import_max_bytes: int = 512 * 1024 * 1024


@lru_cache
def get_settings() -> BudgetSettings:
    return BudgetSettings()

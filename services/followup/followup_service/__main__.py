"""`python -m followup_service migrate [upgrade|downgrade] [revision]`."""

from pathlib import Path

from followup_service.settings import get_settings
from styrkedjan_common.migrations import migration_cli

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    migration_cli(MIGRATIONS, lambda: get_settings().database_url, prog="python -m followup_service")

"""`python -m goals_service migrate [upgrade|downgrade] [revision]`."""

from pathlib import Path

from goals_service.settings import GoalsSettings
from styrkedjan_common.migrations import database_url_of, migration_cli

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    migration_cli(MIGRATIONS, lambda: database_url_of(GoalsSettings), prog="python -m goals_service")

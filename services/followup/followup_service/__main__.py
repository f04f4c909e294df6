"""`python -m followup_service migrate [upgrade|downgrade] [revision]`."""

from pathlib import Path

from followup_service.settings import FollowupSettings
from styrkedjan_common.migrations import database_url_of, migration_cli

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    migration_cli(MIGRATIONS, lambda: database_url_of(FollowupSettings), prog="python -m followup_service")

"""`python -m internal_control_service migrate [upgrade|downgrade] [revision]`."""

from pathlib import Path

from internal_control_service.settings import InternalControlSettings
from styrkedjan_common.migrations import database_url_of, migration_cli

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    migration_cli(MIGRATIONS, lambda: database_url_of(InternalControlSettings), prog="python -m internal_control_service")

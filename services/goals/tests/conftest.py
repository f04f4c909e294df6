from goals_service.__main__ import MIGRATIONS
from goals_service.main import create_app
from goals_service.models import metadata
from goals_service.settings import GoalsSettings
from styrkedjan_common.testing import service_test_fixtures

keys, database_url, app, client, as_role = service_test_fixtures(
    label="goals",
    audience="goals",
    create_app=create_app,
    settings_factory=GoalsSettings,
    migrations_dir=MIGRATIONS,
    metadata=metadata,
)

from followup_service.__main__ import MIGRATIONS
from followup_service.main import create_app
from followup_service.models import metadata
from followup_service.settings import FollowupSettings
from styrkedjan_common.testing import service_test_fixtures

keys, database_url, app, client, as_role = service_test_fixtures(
    label="followup",
    audience="followup",
    create_app=create_app,
    settings_factory=FollowupSettings,
    migrations_dir=MIGRATIONS,
    metadata=metadata,
)

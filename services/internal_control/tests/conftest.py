from internal_control_service.__main__ import MIGRATIONS
from internal_control_service.main import create_app
from internal_control_service.models import metadata
from internal_control_service.settings import InternalControlSettings
from styrkedjan_common.testing import service_test_fixtures

keys, database_url, app, client, as_role = service_test_fixtures(
    label="internal_control",
    audience="internal-control",
    create_app=create_app,
    settings_factory=InternalControlSettings,
    migrations_dir=MIGRATIONS,
    metadata=metadata,
)

from budget_service.__main__ import MIGRATIONS
from budget_service.main import create_app
from budget_service.models import metadata
from budget_service.settings import BudgetSettings
from styrkedjan_common.testing import service_test_fixtures

keys, database_url, app, client, as_role = service_test_fixtures(
    label="budget",
    audience="budget",
    create_app=create_app,
    settings_factory=BudgetSettings,
    migrations_dir=MIGRATIONS,
    metadata=metadata,
)

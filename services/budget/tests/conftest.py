import pytest

from budget_service.__main__ import MIGRATIONS
from budget_service.main import create_app
from budget_service.models import metadata
from budget_service.settings import BudgetSettings
from services.budget.tests.support.allocations import BOARD
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import service_test_fixtures

keys, database_url, app, client, as_role = service_test_fixtures(
    label="budget",
    audience="budget",
    create_app=create_app,
    settings_factory=BudgetSettings,
    migrations_dir=MIGRATIONS,
    metadata=metadata,
)


# --- callers ---------------------------------------------------------------------------------
# Several modules use them by name. A module whose callers sit elsewhere (a wider scope, its own
# org units) defines its own fixture of the same name, which pytest prefers to these.


@pytest.fixture
def council(as_role):
    """The council (kommunfullmäktige), with the whole municipality in scope."""
    return as_role(Role.FULLMAKTIGE)


@pytest.fixture
def board(as_role):
    """The board of support/allocations.py, with only itself in scope: it allocates its frame,
    reallocates between its activity areas and plans its investment projects."""
    return as_role(Role.NAMND, BOARD, [BOARD])

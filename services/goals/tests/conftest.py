import pytest

from goals_service.__main__ import MIGRATIONS
from goals_service.main import create_app
from goals_service.models import metadata
from goals_service.settings import GoalsSettings
from services.goals.tests.support.organisation import ADMINISTRATION, BOARD, BOARD_TREE, COUNCIL, OTHER_BOARD, UNIT
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import service_test_fixtures

keys, database_url, app, client, as_role = service_test_fixtures(
    label="goals",
    audience="goals",
    create_app=create_app,
    settings_factory=GoalsSettings,
    migrations_dir=MIGRATIONS,
    metadata=metadata,
)


# --- callers, in the organisation of support/organisation.py ----------------------------------
# Several modules use them by name. A module whose callers sit elsewhere (own org units, another
# scope) defines its own fixture of the same name, which pytest prefers to these.


@pytest.fixture
def council(as_role):
    return as_role(Role.FULLMAKTIGE, COUNCIL)


@pytest.fixture
def board(as_role):
    return as_role(Role.NAMND, BOARD, BOARD_TREE)


@pytest.fixture
def administration(as_role):
    # The administration drafts the board's objects: its scope includes the board it serves.
    return as_role(Role.FORVALTNING, ADMINISTRATION, BOARD_TREE)


@pytest.fixture
def unit(as_role):
    return as_role(Role.ENHET, UNIT, [UNIT])


@pytest.fixture
def other_board(as_role):
    return as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])


@pytest.fixture
def revisor(as_role):
    return as_role(Role.REVISOR)


@pytest.fixture
def auditors(as_role):
    """The auditors (revisorer), under the name the plans tests give them."""
    return as_role(Role.REVISOR)

import datetime as dt

import pytest

from internal_control_service.__main__ import MIGRATIONS
from internal_control_service.execution import deadlines
from internal_control_service.main import create_app
from internal_control_service.models import metadata
from internal_control_service.settings import InternalControlSettings
from services.internal_control.tests.support.organisation import ADMINISTRATION, BOARD, OTHER_BOARD, UNIT
from services.internal_control.tests.support.risks import CONFIGURED_BANDS_TEXT, CONFIGURED_LIKELIHOOD
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import service_test_fixtures

keys, database_url, app, client, as_role = service_test_fixtures(
    label="internal_control",
    audience="internal-control",
    create_app=create_app,
    settings_factory=InternalControlSettings,
    migrations_dir=MIGRATIONS,
    metadata=metadata,
)


# --- callers, in the organisation of support/organisation.py ----------------------------------
# Several modules use them by name. A module whose callers sit elsewhere (a narrower scope)
# defines its own fixture of the same name, which pytest prefers to these.


@pytest.fixture
def board(as_role):
    """The board, with its administration and a unit below it in scope."""
    return as_role(Role.NAMND, BOARD, [BOARD, ADMINISTRATION, UNIT])


@pytest.fixture
def administration(as_role):
    # The administration drafts the board's objects: its scope includes the board it serves.
    return as_role(Role.FORVALTNING, ADMINISTRATION, [ADMINISTRATION, BOARD, UNIT])


@pytest.fixture
def other_board(as_role):
    return as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])


@pytest.fixture
def auditors(as_role):
    return as_role(Role.REVISOR)


@pytest.fixture
def executive_board(as_role):
    return as_role(Role.FULLMAKTIGE)


# --- the service's clock and settings -----------------------------------------------------------


@pytest.fixture
def today(monkeypatch):
    """Set the clock of execution/deadlines.py (overdue actions, reports, the evaluation): today.set(date)."""

    class Clock:
        def set(self, date: dt.date) -> None:
            monkeypatch.setattr(deadlines, "today", lambda: date)

    return Clock()


@pytest.fixture
def configured_scales(app):
    """The service configured with Inera's likelihood labels and three bands (the settings risk_*)."""
    default = app.state.settings
    app.state.settings = default.model_copy(update={"risk_bands": CONFIGURED_BANDS_TEXT, "risk_likelihood_labels": CONFIGURED_LIKELIHOOD})
    yield
    app.state.settings = default

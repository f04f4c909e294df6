"""Settings every app refuses to start with."""

import pytest
from pydantic import ValidationError

from styrkedjan_common import testing
from styrkedjan_common.settings import AppSettings, Environment, ServiceSettings

KEYS = testing.TestKeys.generate()


def service_settings(**values) -> ServiceSettings:
    return ServiceSettings(assertion_public_keys=KEYS.public_pem, **values)


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///goals.db", ""])
def test_production_without_postgresql_is_refused(url):
    with pytest.raises(ValidationError, match="production runs on PostgreSQL"):
        service_settings(environment="production", database_url=url)


def test_production_on_postgresql_is_accepted():
    settings = service_settings(
        environment="production", database_url="postgresql+asyncpg://goals@db:5432/goals", service_private_key=KEYS.private_pem
    )
    assert settings.environment == Environment.PRODUCTION


def test_a_service_in_production_without_its_own_key_is_refused():
    # Without it the service cannot read the directory's feed nor call another service.
    with pytest.raises(ValidationError, match="service_private_key"):
        service_settings(environment="production", database_url="postgresql+asyncpg://goals@db:5432/goals")


@pytest.mark.parametrize("environment", ["development", "test"])
def test_sqlite_is_the_embedded_default_outside_production(environment):
    assert AppSettings(environment=environment, database_url="sqlite+aiosqlite:///goals.db").database_url.startswith("sqlite")


def test_a_service_without_the_gateways_public_key_is_refused():
    with pytest.raises(ValidationError, match="assertion_public_keys"):
        ServiceSettings(database_url="sqlite+aiosqlite:///goals.db")

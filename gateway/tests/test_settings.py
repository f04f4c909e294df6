"""Settings the gateway refuses to start with: no way to sign in, or a development issuer in production."""

import json

import pytest
from pydantic import ValidationError

OIDC = {"oidc_issuer": "https://login.example.se", "oidc_audience": "styrkedjan-api", "oidc_jwks_url": "https://login.example.se/certs"}


def refused(make_settings, **values):
    with pytest.raises(ValidationError) as refusal:
        make_settings(**values)
    return str(refusal.value)


POSTGRES_URL = "postgresql+asyncpg://styrkedjan@db.example.se:5432/styrkedjan_gateway"


def test_the_development_issuer_is_refused_in_production(make_settings):
    assert "cannot be enabled in production" in refused(make_settings, environment="production", database_url=POSTGRES_URL)


def test_production_on_sqlite_is_refused(make_settings):
    message = refused(
        make_settings, environment="production", dev_issuer_enabled=False, database_url="sqlite+aiosqlite:///gateway.db", **OIDC
    )
    assert "production runs on PostgreSQL" in message


def test_a_gateway_without_any_way_to_sign_in_is_refused(make_settings):
    assert "configure OIDC" in refused(make_settings, dev_issuer_enabled=False)


@pytest.mark.parametrize("missing", sorted(OIDC))
def test_incomplete_oidc_is_refused(make_settings, missing):
    oidc = {name: value for name, value in OIDC.items() if name != missing}
    assert "configure OIDC" in refused(make_settings, dev_issuer_enabled=False, **oidc)


def test_the_development_issuer_needs_a_key(make_settings):
    assert "dev_issuer_private_key" in refused(make_settings, dev_issuer_private_key=None)


def test_the_gateway_needs_a_key_to_sign_assertions(make_settings):
    assert "assertion_private_key" in refused(make_settings, assertion_private_key=None)


def test_production_with_oidc_is_accepted(make_settings):
    settings = make_settings(environment="production", dev_issuer_enabled=False, database_url=POSTGRES_URL, **OIDC)
    assert settings.oidc_issuer == OIDC["oidc_issuer"]


def _rsa_jwks() -> str:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return json.dumps({"keys": [json.loads(RSAAlgorithm.to_jwk(public)) | {"kid": "k1"}]})


def test_a_jwks_given_inline_replaces_the_url(make_settings):
    oidc = {name: value for name, value in OIDC.items() if name != "oidc_jwks_url"}
    assert make_settings(dev_issuer_enabled=False, oidc_jwks=_rsa_jwks(), **oidc).oidc_jwks_url is None


@pytest.mark.parametrize("jwks", ['{"keys": []}', "not json", "[]"])
def test_an_inline_jwks_without_a_usable_key_is_refused_at_start(make_settings, jwks):
    oidc = {name: value for name, value in OIDC.items() if name != "oidc_jwks_url"}
    with pytest.raises(ValidationError, match="usable key"):
        make_settings(dev_issuer_enabled=False, oidc_jwks=jwks, **oidc)


def test_keys_can_be_read_from_files(make_settings, tmp_path):
    dev_pem = make_settings().dev_key_pem()
    (tmp_path / "dev.pem").write_text(dev_pem)
    settings = make_settings(dev_issuer_private_key=None, dev_issuer_private_key_file=str(tmp_path / "dev.pem"))
    assert settings.dev_key_pem() == dev_pem

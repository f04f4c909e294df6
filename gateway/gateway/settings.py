import json
from functools import lru_cache

import jwt
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from styrkedjan_common.settings import AppSettings, Environment


class GatewaySettings(AppSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/gateway.db"

    # Upstream services (base URLs, no trailing slash).
    goals_url: str = "http://127.0.0.1:8001"
    budget_url: str = "http://127.0.0.1:8002"
    followup_url: str = "http://127.0.0.1:8003"
    internal_control_url: str = "http://127.0.0.1:8004"
    upstream_connect_timeout_seconds: float = 2.0
    upstream_read_timeout_seconds: float = 30.0
    upstream_max_connections: int = 256
    # Admission per service: the most requests one gateway process has in progress at a service;
    # one more waits up to admission_wait_seconds for a place, then is refused with 503 and
    # Retry-After before any work is spent on it (no token check, no hop). A busy service thus
    # refuses only its own excess, at the cheapest point; the service bounds itself as well
    # (<SERVICE>_MAX_CONCURRENT_REQUESTS), for the sum of the gateway replicas.
    upstream_max_concurrent_requests: int = Field(default=16, ge=0)
    # The gateway's own API (directory, me, tokens); its requests to services count above.
    max_concurrent_requests: int = Field(default=64, ge=0)

    # The key the gateway signs identity assertions with (Ed25519, PEM), inline or as a file.
    assertion_private_key: SecretStr | None = None
    assertion_private_key_file: str | None = None
    assertion_issuer: str = "styrkedjan-gateway"
    assertion_ttl_seconds: int = 60

    # OIDC (Entra ID, Keycloak, ...): tokens from this issuer for this audience.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_jwks: str | None = None  # inline JWKS JSON, instead of a URL
    oidc_algorithms: list[str] = ["RS256"]
    oidc_user_claim: str = "sub"
    # The claim naming the OAuth client a token was issued to: a machine client (an integration
    # signing in with client credentials) is the directory client whose client id it holds.
    # "azp" for Keycloak and Entra ID v2.0 tokens; "appid" for Entra ID v1.0 tokens.
    oidc_client_claim: str = Field(default="azp", min_length=1)
    token_leeway_seconds: int = 10

    # The built-in issuer for development and the embedded default; off unless configured on.
    dev_issuer_enabled: bool = False
    dev_issuer_private_key: SecretStr | None = None
    dev_issuer_private_key_file: str | None = None
    dev_issuer_name: str = "styrkedjan-dev"
    dev_token_ttl_seconds: int = 8 * 3600

    # How long a resolved user (assignments and scope) is reused before the directory is read again.
    principal_cache_seconds: float = 5.0
    cors_allow_origins: list[str] = []

    @model_validator(mode="after")
    def _check(self) -> "GatewaySettings":
        if not (self.assertion_private_key or self.assertion_private_key_file):
            raise ValueError("assertion_private_key or assertion_private_key_file must be set")
        if self.dev_issuer_enabled and self.environment == Environment.PRODUCTION:
            raise ValueError("the built-in development issuer cannot be enabled in production")
        if self.dev_issuer_enabled and not (self.dev_issuer_private_key or self.dev_issuer_private_key_file):
            raise ValueError("the development issuer needs dev_issuer_private_key or dev_issuer_private_key_file")
        if not self.dev_issuer_enabled and not (self.oidc_issuer and self.oidc_audience and (self.oidc_jwks_url or self.oidc_jwks)):
            raise ValueError("configure OIDC (issuer, audience, JWKS URL or JWKS) or enable the development issuer")
        if self.oidc_jwks:
            try:
                if not jwt.PyJWKSet.from_dict(json.loads(self.oidc_jwks)).keys:
                    raise ValueError
            except (ValueError, TypeError, AttributeError, jwt.PyJWTError):
                raise ValueError("oidc_jwks is not a JWKS with at least one usable key") from None
        return self

    def service_urls(self) -> dict[str, str]:
        """Path segment → base URL; the segment is also the assertion audience."""
        return {
            "goals": self.goals_url,
            "budget": self.budget_url,
            "followup": self.followup_url,
            "internal-control": self.internal_control_url,
        }

    def assertion_key_pem(self) -> str:
        return _secret_or_file(self.assertion_private_key, self.assertion_private_key_file)

    def dev_key_pem(self) -> str:
        return _secret_or_file(self.dev_issuer_private_key, self.dev_issuer_private_key_file)


def _secret_or_file(secret: SecretStr | None, path: str | None) -> str:
    if secret is not None:
        return secret.get_secret_value()
    if path is None:
        raise ValueError("no key configured")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()

"""Settings every app shares; each app subclasses with its own env prefix."""

from enum import StrEnum

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = ""
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.JSON
    # Echo SQL statements; only for debugging.
    database_echo: bool = False
    # The most database connections one process holds (a fixed pool, no overflow), and how long a
    # request waits for one before it is refused with 503 and Retry-After.
    database_pool_size: int = Field(default=20, ge=1)
    # How long the answer to a POST with an Idempotency-Key is kept for a retry with the same key.
    idempotency_key_ttl_seconds: int = Field(default=24 * 3600, ge=1)
    database_pool_timeout_seconds: float = Field(default=2.0, gt=0)
    # Admission control: the most requests one process works on at a time (0: no bound); one more
    # waits up to admission_wait_seconds for a place, then is refused with 503 and Retry-After.
    max_concurrent_requests: int = Field(default=32, ge=0)
    admission_wait_seconds: float = Field(default=0.1, ge=0)
    retry_after_seconds: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _production_runs_on_postgresql(self) -> "AppSettings":
        # SQLite is the embedded default for development and tests; in production it would lose
        # concurrent writes and has no backups or replicas of ours.
        if self.environment == Environment.PRODUCTION and not self.database_url.startswith("postgresql"):
            raise ValueError("production runs on PostgreSQL: set a postgresql+asyncpg:// database URL")
        return self


class ServiceSettings(AppSettings):
    """A service behind the gateway: it trusts only assertions signed by the gateway."""

    # PEM public keys of the gateway, several during a key rotation (a PEM bundle).
    # Public keys are not secret; given inline or as a file path.
    assertion_public_keys: str | None = None
    assertion_public_keys_file: str | None = None
    assertion_issuer: str = "styrkedjan-gateway"

    @model_validator(mode="after")
    def _keys_present(self) -> "ServiceSettings":
        if not (self.assertion_public_keys or self.assertion_public_keys_file):
            raise ValueError("assertion_public_keys or assertion_public_keys_file must be set")
        return self

    def public_keys_pem(self) -> str:
        if self.assertion_public_keys is not None:
            return self.assertion_public_keys
        if self.assertion_public_keys_file is None:
            raise ValueError("assertion_public_keys or assertion_public_keys_file must be set")
        with open(self.assertion_public_keys_file, encoding="utf-8") as handle:
            return handle.read()

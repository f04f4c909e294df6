"""Settings every app shares; each app subclasses with its own env prefix."""

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
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
    # Where /metrics is served: unset, on the app's own port; set, on this port alone (a listener
    # of its own on metrics_host), so the public port does not answer it.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # An OTLP/HTTP collector's traces URL (http://collector:4318/v1/traces): the app exports its
    # spans there. Unset, tracing is off.
    otlp_traces_endpoint: str | None = None
    metrics_host: str = "0.0.0.0"  # inside its container: the cluster's Prometheus scrapes it

    # The public keys of the services that may call this app directly, by service name: inline
    # (JSON: {"followup": "<PEM bundle>"}) or as a folder of `<service>.pem` files (a Kubernetes
    # ConfigMap, a compose volume). A bundle holds several keys during a rotation.
    service_public_keys: dict[str, str] = {}
    service_public_keys_dir: str | None = None

    def service_keys(self) -> dict[str, str]:
        """Each calling service's public keys (a PEM bundle), by name."""
        keys = dict(self.service_public_keys)
        if self.service_public_keys_dir:
            for path in sorted(Path(self.service_public_keys_dir).glob("*.pem")):
                keys[path.stem] = path.read_text(encoding="utf-8")
        return keys

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

    # The service's own key (Ed25519, PEM), inline or as a file: it signs the assertions with which
    # this service calls the directory feed and other services. A secret.
    service_private_key: SecretStr | None = None
    service_private_key_file: str | None = None
    # Where the gateway's directory answers this service (its address inside the deployment).
    directory_url: str = "http://127.0.0.1:8000"
    # How often the org-unit replica asks the directory for changes (it also asks at once when it
    # meets an unknown id); after three intervals without an answer /readyz calls it stale.
    directory_sync_interval_seconds: float = Field(default=10.0, gt=0)
    # Calls to other services and to the directory: how long to wait for a connection and an answer.
    client_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    client_read_timeout_seconds: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _keys_present(self) -> "ServiceSettings":
        if not (self.assertion_public_keys or self.assertion_public_keys_file):
            raise ValueError("assertion_public_keys or assertion_public_keys_file must be set")
        if self.environment == Environment.PRODUCTION and not (self.service_private_key or self.service_private_key_file):
            raise ValueError("production needs the service's own key: service_private_key or service_private_key_file")
        return self

    def service_key_pem(self) -> str | None:
        if self.service_private_key is not None:
            return self.service_private_key.get_secret_value()
        if self.service_private_key_file is None:
            return None
        with open(self.service_private_key_file, encoding="utf-8") as handle:
            return handle.read()

    def public_keys_pem(self) -> str:
        if self.assertion_public_keys is not None:
            return self.assertion_public_keys
        if self.assertion_public_keys_file is None:
            raise ValueError("assertion_public_keys or assertion_public_keys_file must be set")
        with open(self.assertion_public_keys_file, encoding="utf-8") as handle:
            return handle.read()

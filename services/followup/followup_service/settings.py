from functools import lru_cache

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from styrkedjan_common.settings import ServiceSettings


class FollowupSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FOLLOWUP_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/followup.db"
    # Where the services the follow-up report is compiled from answer this service directly
    # (their addresses inside the deployment), called with the service's own key.
    goals_url: str = "http://127.0.0.1:8001"
    budget_url: str = "http://127.0.0.1:8002"
    internal_control_url: str = "http://127.0.0.1:8004"

    # E-mail reminders: the outbox fills in any case; a worker sends it over SMTP only when a
    # server is named here (off unless smtp_host is set).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # Upgrade the connection with STARTTLS before logging in (a server that does not offer it is refused).
    smtp_starttls: bool = True
    smtp_from: str = ""
    # How often the worker looks for messages to send; a failed message waits twice as long after
    # each attempt (from this interval, at most smtp_max_backoff_seconds) and is FAILED after the last.
    smtp_send_interval_seconds: float = Field(default=30.0, gt=0)
    smtp_max_attempts: int = Field(default=8, ge=1, le=100)
    smtp_max_backoff_seconds: float = Field(default=6 * 3600.0, gt=0)
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    # How long a worker holds the messages it claimed: longer than a batch takes to send, so no other
    # process claims a message being sent.
    smtp_lease_seconds: float = Field(default=600.0, gt=0)
    smtp_batch_size: int = Field(default=50, ge=1, le=1000)
    # Reminders of what is due are queued once a day for deadlines this many days ahead, and once more when late.
    reminder_days_ahead: int = Field(default=7, ge=0, le=365)

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)

    @model_validator(mode="after")
    def _smtp_has_a_sender(self) -> "FollowupSettings":
        if self.smtp_host and "@" not in self.smtp_from:
            raise ValueError("smtp_from (the reminders' sender address) must be set when smtp_host is")
        return self


@lru_cache
def get_settings() -> FollowupSettings:
    return FollowupSettings()

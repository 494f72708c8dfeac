"""One typed settings object, built once at start and passed explicitly.

Sources, highest first: keyword arguments, environment variables ``SSD_*`` (nested with
``__``, e.g. ``SSD_DELIVERY__MAX_ATTEMPTS``), a TOML file (``--config``), defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Section(BaseModel):
    """A settings section: unknown keys are an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class OrganisationSettings(Section):
    """Which organisation this gateway speaks for."""

    org_id: str = "local"
    name: str = "Lokal gateway"
    sector: str = "other"
    municipality: str = "0101"


class TLSSettings(Section):
    """Certificates of this gateway and the federation CA it trusts."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    #: the federation's certificate revocation lists (PEM); watched for changes
    crl_file: Path | None = None


class ListenSettings(Section):
    """Where the two listeners bind."""

    federation_host: str = "127.0.0.1"
    federation_port: int = 8443
    api_host: str = "127.0.0.1"
    api_port: int = 8080


class DeliverySettings(Section):
    """Retry and dead-letter parameters of the outbox."""

    max_attempts: int = 8
    max_age_seconds: int = 86_400
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 600.0
    lease_seconds: int = 60
    #: message bodies of acknowledged transfers are deleted this many days after delivery
    body_retention_days: int = 30


class AlertSettings(Section):
    """Thresholds of the alerts sweeper (``ssd_gateway.gateway.alert_sources``)."""

    #: how often the sweeper looks for conditions, in seconds
    sweep_interval_seconds: float = Field(default=60.0, gt=0)
    #: the municipality's deadline for the first assessment of an underretning, in days after
    #: receipt (Barnets Lov § 133: 24 hours)
    first_assessment_days: int = Field(default=1, ge=0)
    #: a stafetlog handover offered and not accepted after this many days raises an alert
    handover_stale_days: int = Field(default=7, ge=1)
    #: a consent on an open stafetlog ending within this many days needs renewal
    consent_expiring_days: int = Field(default=30, ge=1)
    #: a consent ends at the latest this many days after signing
    consent_max_days: int = Field(default=365, ge=1)
    #: the federation CRL due for its next update within this many days raises an alert
    crl_due_days: int = Field(default=3, ge=1)
    #: a peer whose transfers have been failing for longer than this is unreachable
    peer_unreachable_minutes: int = Field(default=60, ge=1)


class Settings(BaseSettings):
    """The effective configuration of one gateway."""

    model_config = SettingsConfigDict(
        env_prefix="SSD_", env_nested_delimiter="__", extra="forbid", toml_file=None
    )

    data_dir: Path = Path("./data")
    database_url: str = ""
    #: empty: the embedded SQLite broker beside a SQLite database; else amqp:// or redis://
    broker_url: str = ""
    rule_pack: str = "dk-sel-2011"
    peers_file: Path | None = None
    log_format: str = "console"
    audit_secret: SecretStr = SecretStr("dev-only-change-me")
    organisation: OrganisationSettings = Field(default_factory=OrganisationSettings)
    tls: TLSSettings = Field(default_factory=TLSSettings)
    listen: ListenSettings = Field(default_factory=ListenSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then environment, then the TOML file named at load time."""
        toml_path = init_settings.init_kwargs.pop("_toml", None)  # type: ignore[attr-defined]
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'gateway.db'}"


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings from an optional TOML file, the environment and ``overrides``."""
    if config is not None:
        overrides["_toml"] = config
    return Settings(**overrides)

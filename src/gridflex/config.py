"""Settings from the environment (prefix ``GRIDFLEX_``), with safe embedded defaults."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gridflex.timing import parse_rate_limit

# A secret that anyone can read in the source: fine for the demo and the tests, refused elsewhere.
UNSAFE_SECRET_KEY = "gridflex-unsafe-development-secret-change-me"


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``GRIDFLEX_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="GRIDFLEX_", extra="ignore")

    mode: Literal["production", "demo", "test"] = "production"
    database_url: str = "sqlite:///gridflex.db"
    # A streaming replica of database_url (PostgreSQL) for read-only requests; see store.replica.
    database_read_url: str | None = None
    secret_key: str = UNSAFE_SECRET_KEY
    token_max_age: timedelta = timedelta(hours=6)
    # A token's user is reloaded at most this often per process (services.user_cache); 0: always.
    auth_cache_seconds: float = 5.0
    redis_url: str | None = None
    entity_host: str = "localhost"
    # The release of the reference (FlexMeasures) API whose behaviour we are compatible with;
    # existing clients read it to decide which endpoints they may use.
    flexmeasures_version: str = "1.0.1"
    list_cap: int = 10_000  # rows of a list answered without ``page``
    max_body_bytes: int = 3_250_585  # like the reference's 3.1 MiB ingestion limit
    max_upload_bytes: int = 512 * 1024 * 1024  # file uploads are streamed, so they may be larger
    planning_horizon: timedelta = timedelta(hours=48)
    max_planning_steps: int = 2520
    job_cache_ttl: timedelta = timedelta(hours=1)
    trigger_rate_limit: str = "10 per 5 minutes"
    job_time_limit: timedelta = timedelta(minutes=10)
    embedded_job_workers: int = 2
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"  # auto: JSON unless on a terminal
    metrics: bool = True  # GET /metrics (Prometheus)
    # OpenTelemetry traces (gridflex.tracing): auto = on when the SDK is installed and an
    # OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER is set.
    tracing: Literal["auto", "on", "off"] = "auto"
    # `serve --workers N`: a process that misses the supervisor's health check this long is
    # replaced; generous, because a process starting on a busy machine answers late.
    worker_healthcheck_timeout_s: int = 60
    graceful_timeout_s: int = 30  # shutdown: time to finish running requests and in-process jobs
    legacy_weather_max_distance_km: float = 10.0  # v1_1: nearest weather sensor must be this close
    heatmap_public: bool = True  # false: reading the heatmap needs a token
    carbon_map_public: bool = True  # false: the web UI's carbon map needs a login
    # Web UI: a basemap tile URL ({z}/{x}/{y}) for deployments with internet; unset = the
    # country shapes shipped with the package (works offline).
    map_tile_url: str | None = None
    map_tile_attribution: str = ""
    session_cookie_secure: bool = False  # true: Secure cookies even when served over plain http
    # Where the web UI's browser libraries were installed (`npm ci`); default: found upwards.
    ui_vendor_dir: str | None = None
    # One heatmap import reads at most this many bytes (zip members counted inflated) and
    # a zip may list at most this many entries: a zip bomb stops at the limit.
    heatmap_max_import_bytes: int = 64 * 1024 * 1024
    heatmap_max_zip_members: int = 64

    # Failed logins allowed per account (email) and per client address before the login is
    # locked (1 minute, doubling per further failure, at most the window); "" turns one off.
    login_throttle: str = "10 per 15 minutes"
    login_throttle_per_address: str = "30 per 15 minutes"

    @field_validator(
        "redis_url", "map_tile_url", "ui_vendor_dir", "database_read_url", mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @field_validator("login_throttle", "login_throttle_per_address")
    @classmethod
    def _readable_limit(cls, value: str) -> str:
        if value.strip():
            parse_rate_limit(value)
        return value.strip()

    @field_validator("map_tile_url")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("GRIDFLEX_MAP_TILE_URL must start with https:// (or http://).")
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_secret(self) -> Settings:
        if self.mode == "production" and self.secret_key == UNSAFE_SECRET_KEY:
            raise ValueError(
                "GRIDFLEX_SECRET_KEY is unset: set it to a long random string "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
                "or run with GRIDFLEX_MODE=demo for a local trial."
            )
        if self.database_read_url and not self.database_url.startswith(("postgres", "postgresql")):
            raise ValueError(
                "GRIDFLEX_DATABASE_READ_URL (a streaming replica) needs a PostgreSQL "
                "GRIDFLEX_DATABASE_URL."
            )
        if len(self.secret_key) < 16:
            raise ValueError("GRIDFLEX_SECRET_KEY must be at least 16 characters long.")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()

"""Settings from the environment (prefix ``GRIDFLEX_``), with safe embedded defaults."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    redis_url: str | None = None
    entity_host: str = "localhost"
    # The release of the reference (FlexMeasures) API whose behaviour we are compatible with;
    # existing clients read it to decide which endpoints they may use.
    flexmeasures_version: str = "1.0.1"
    max_body_bytes: int = 3_250_585  # like the reference's 3.1 MiB ingestion limit
    max_upload_bytes: int = 512 * 1024 * 1024  # file uploads are streamed, so they may be larger
    planning_horizon: timedelta = timedelta(hours=48)
    max_planning_steps: int = 2520
    job_cache_ttl: timedelta = timedelta(hours=1)
    trigger_rate_limit: str = "10 per 5 minutes"
    job_time_limit: timedelta = timedelta(minutes=10)
    embedded_job_workers: int = 2
    log_level: str = "INFO"
    legacy_weather_max_distance_km: float = 10.0  # v1_1: nearest weather sensor must be this close
    heatmap_public: bool = True  # false: reading the heatmap needs a token

    @field_validator("redis_url", "database_read_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

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

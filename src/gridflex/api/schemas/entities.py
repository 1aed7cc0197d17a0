"""Request schemas (``XCreate``/``XUpdate``) and response shapes (``x_public``) of the entity routes."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from gridflex.api.schemas.fields import Duration, Id, JsonList, JsonObject, without_nul
from gridflex.engines.beliefs.knowledge import validate_knowledge_horizon
from gridflex.store.models import Account, Asset, AuditLog, Sensor, User
from gridflex.timing import format_duration

_TIMEZONES = available_timezones() | {"UTC"}
# What a sensor without an explicit knowledge horizon means, in the form the engine stores.
DEFAULT_KNOWLEDGE_HORIZON = validate_knowledge_horizon({})


def _check_timezone(value: str | None) -> str | None:
    if value is not None and value not in _TIMEZONES:
        raise ValueError(
            f"Unknown timezone {value!r} (use an IANA name such as 'Europe/Amsterdam')."
        )
    return value


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("Field may not be null.")
    return value


def refuse_null(*fields: str) -> Any:
    """A validator refusing an explicit ``null`` for optional fields of columns that cannot be empty.

    Update schemas make every field optional (absent = unchanged); without this,
    ``{"name": null}`` would reach the database and fail there with a 500.
    """
    return field_validator(*fields, mode="before")(_not_null)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    _no_nul = field_validator("*", mode="before")(without_nul)


class AccountUpdate(Strict):
    name: str | None = Field(None, min_length=1, max_length=100)
    primary_color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    secondary_color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    logo_url: str | None = Field(None, max_length=255)
    consultancy_account_id: Id | None = None
    attributes: JsonObject | None = None
    id: Id | None = Field(None, description="read-only: refused")

    _not_null = refuse_null("name", "attributes")


class UserCreate(Strict):
    email: EmailStr
    username: str = Field(min_length=1, max_length=255)
    account_id: Id
    password: str | None = Field(None, min_length=8)
    timezone: str = "Europe/Amsterdam"
    active: bool = True
    roles: list[int | str] = Field(default_factory=list, description="user role names or ids")

    _tz = field_validator("timezone")(_check_timezone)


class UserUpdate(Strict):
    email: EmailStr | None = None
    username: str | None = Field(None, min_length=1, max_length=255)
    timezone: str | None = None
    active: bool | None = None
    flexmeasures_roles: list[int | str] | None = Field(None, description="role ids or names")
    roles: list[int | str] | None = None
    id: Id | None = Field(None, description="read-only: refused")
    account_id: Id | None = Field(None, description="read-only: refused")

    _tz = field_validator("timezone")(_check_timezone)
    _not_null = refuse_null("email", "username", "timezone", "active")


class AssetCreate(Strict):
    name: str = Field(min_length=1, max_length=255)
    generic_asset_type_id: Id
    account_id: Id | None = None
    parent_asset_id: Id | None = None
    description: str | None = Field(None, max_length=255)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    external_id: str | None = Field(None, max_length=255)
    attributes: JsonObject = Field(default_factory=dict)
    flex_context: JsonObject = Field(default_factory=dict)
    flex_model: JsonObject = Field(default_factory=dict)
    sensors_to_show: JsonList = Field(default_factory=list)
    sensors_to_show_as_kpis: JsonList = Field(default_factory=list)


class AssetUpdate(Strict):
    name: str | None = Field(None, min_length=1, max_length=255)
    generic_asset_type_id: Id | None = None
    parent_asset_id: Id | None = None
    description: str | None = Field(None, max_length=255)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    external_id: str | None = Field(None, max_length=255)
    attributes: JsonObject | None = None
    flex_context: JsonObject | None = None
    flex_model: JsonObject | None = None
    sensors_to_show: JsonList | None = None
    sensors_to_show_as_kpis: JsonList | None = None
    id: Id | None = Field(None, description="read-only: refused")
    account_id: Id | None = Field(None, description="read-only: refused")

    _not_null = refuse_null(
        "name",
        "generic_asset_type_id",
        "attributes",
        "flex_context",
        "flex_model",
        "sensors_to_show",
        "sensors_to_show_as_kpis",
    )


class SensorCreate(Strict):
    name: str = Field(min_length=1, max_length=255)
    unit: str = Field("", max_length=80)
    event_resolution: Duration
    generic_asset_id: Id
    timezone: str = "UTC"
    knowledge_horizon: JsonObject | None = None
    attributes: JsonObject = Field(default_factory=dict)

    _tz = field_validator("timezone")(_check_timezone)


class SensorUpdate(Strict):
    name: str | None = Field(None, min_length=1, max_length=255)
    unit: str | None = Field(None, max_length=80)
    event_resolution: Duration | None = None
    timezone: str | None = None
    knowledge_horizon: JsonObject | None = None
    attributes: JsonObject | None = None
    id: Id | None = Field(None, description="read-only: refused")
    generic_asset_id: Id | None = Field(None, description="read-only: refused")
    entity_address: str | None = Field(None, description="read-only: refused")

    _tz = field_validator("timezone")(_check_timezone)
    _not_null = refuse_null("name", "unit", "event_resolution", "timezone", "attributes")


def account_public(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "account_roles": sorted(role.id for role in account.account_roles),
        "account_role_names": sorted(role.name for role in account.account_roles),
        "consultancy_account_id": account.consultancy_account_id,
        "primary_color": account.primary_color,
        "secondary_color": account.secondary_color,
        "logo_url": account.logo_url,
        "attributes": account.attributes or {},
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def user_public(user: User, *, with_account: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": user.id,
        "email": user.email,
        "username": user.username,
        "account_id": user.account_id,
        "active": user.active,
        "timezone": user.timezone,
        "flexmeasures_roles": sorted(role.id for role in user.roles),
        "roles": user.role_names,
        "last_login_at": _iso(user.last_login_at),
        "last_seen_at": _iso(user.last_seen_at),
    }
    if with_account:
        out["account"] = account_public(user.account)
    return out


def asset_type_public(asset: Asset) -> dict[str, Any]:
    return {"id": asset.asset_type.id, "name": asset.asset_type.name}


def asset_brief(asset: Asset) -> dict[str, Any]:
    return {
        "id": asset.id,
        "name": asset.name,
        "account_id": asset.account_id,
        "generic_asset_type": asset_type_public(asset),
    }


def asset_public(asset: Asset) -> dict[str, Any]:
    return {
        **asset_brief(asset),
        "description": asset.description,
        "generic_asset_type_id": asset.generic_asset_type_id,
        "parent_asset_id": asset.parent_asset_id,
        "latitude": asset.latitude,
        "longitude": asset.longitude,
        "external_id": asset.external_id,
        "attributes": asset.attributes or {},
        "flex_context": asset.flex_context or {},
        "flex_model": asset.flex_model or {},
        "sensors_to_show": asset.sensors_to_show or [],
        "sensors_to_show_as_kpis": asset.sensors_to_show_as_kpis or [],
        "owner": {"id": asset.owner.id, "name": asset.owner.name} if asset.owner else None,
        "child_assets": [asset_brief(child) for child in asset.children],
        "sensors": [{"id": s.id, "name": s.name} for s in asset.sensors],
    }


def entity_address(sensor: Sensor, host: str) -> str:
    """USEF EA1 address: ea1.<YYYY-MM>.<reversed host>:fm1.<sensor id>."""
    reversed_host = ".".join(reversed(host.split(":")[0].split(".")))
    return f"ea1.{sensor.created_at:%Y-%m}.{reversed_host}:fm1.{sensor.id}"


def sensor_public(sensor: Sensor, host: str) -> dict[str, Any]:
    return {
        "id": sensor.id,
        "name": sensor.name,
        "unit": sensor.unit,
        "timezone": sensor.timezone,
        "event_resolution": format_duration(sensor.event_resolution),
        "knowledge_horizon": sensor.knowledge_horizon or dict(DEFAULT_KNOWLEDGE_HORIZON),
        "entity_address": entity_address(sensor, host),
        "generic_asset_id": sensor.generic_asset_id,
        "attributes": sensor.attributes or {},
    }


def audit_public(entry: AuditLog) -> dict[str, Any]:
    return {
        "event": entry.event,
        "event_datetime": entry.event_datetime.isoformat(),
        "active_user_id": entry.active_user_id,
        "active_user_name": entry.active_user_name,
    }

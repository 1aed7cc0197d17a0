"""Entity addresses of the v1 API (USEF EA1, seed 003) -> the sensors they stand for.

Forms accepted (``<authority>`` is this server's reversed host name, from
``settings.entity_host``; the date code is any ``YYYY-MM``):

- connections: ``ea1.<date>.<authority>:<owner id>:<asset id>``,
  ``ea1.<date>.<authority>:<asset id>``, ``ea1.<date>.<authority>:fm1.<sensor id>``
  (the v3_0 sensor address), the simplified ``<owner id>:<asset id>`` and
  ``<asset id>``, and connection names (``CS 1``);
- markets: ``ea1.<date>.<authority>:<market id>`` (e.g. ``...:epex_da``), the bare
  ``<market id>``, or a ``fm1.<sensor id>`` address;
- weather sensors: ``ea1.<date>.<authority>:<type>:<latitude>:<longitude>``, the bare
  ``<type>:<latitude>:<longitude>``, or a ``fm1.<sensor id>`` address.

An address of another naming authority, or one that is not EA1, is refused with
INVALID_DOMAIN. See the package docstring for how assets, markets and weather
types map to sensors.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from gridflex import permissions
from gridflex.errors import UnitError
from gridflex.services.legacy.errors import LegacyError
from gridflex.store.models import Asset, AssetType, Sensor, User
from gridflex.store.queries import assets as q_assets
from gridflex.units import is_convertible, is_power_unit, parse_unit

_EA = re.compile(r"^ea\d+\.", re.IGNORECASE)
_EA1 = re.compile(
    r"^ea1\.(?P<date>\d{4}-(?P<month>\d{2}))\.(?P<authority>[^:\s]+):(?P<local>.+)$", re.I
)
_FM1 = re.compile(r"^fm1\.(?P<id>\d+)$")
_OWNED = re.compile(r"^(?P<owner>\d+):(?P<asset>\d+)$")
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_WEATHER = re.compile(rf"^(?P<type>[^:]+):(?P<lat>{_NUMBER}):(?P<lon>{_NUMBER})$")

# v1 weather types, the unit values of each are posted in, and names clients use for them.
WEATHER_UNITS = {"temperature": "°C", "irradiance": "kW/m²", "wind speed": "m/s"}
_WEATHER_ALIASES = {
    "radiation": "irradiance",
    "solar irradiance": "irradiance",
    "wind": "wind speed",
    "windspeed": "wind speed",
}
CONNECTION_FLAG = "connection_sensor"  # sensor attribute marking an asset's connection sensor
DEFAULT_MAX_WEATHER_DISTANCE_KM = 10.0
_EARTH_RADIUS_KM = 6371.0088


def naming_authority(host: str) -> str:
    """The reversed domain name of this server (``company.flexmeasures.io`` -> ``io.flexmeasures.company``)."""
    return ".".join(reversed(host.split(":")[0].split(".")))


def _local_part(text: str, host: str) -> str | None:
    """The locally unique string of an EA1 address of this server; None if ``text`` is no EA address."""
    if not _EA.match(text):
        return None
    match = _EA1.match(text)
    if match is None or not 1 <= int(match["month"]) <= 12:
        raise LegacyError(
            "INVALID_DOMAIN",
            f"{text!r} is not a valid EA1 address: use ea1.<YYYY-MM>.{naming_authority(host)}:<locally unique string>.",
        )
    if match["authority"].lower() != naming_authority(host).lower():
        raise LegacyError(
            "INVALID_DOMAIN",
            f"{text!r} names the authority {match['authority']!r}, but this server's entity addresses use "
            f"{naming_authority(host)!r} (e.g. ea1.{match['date']}.{naming_authority(host)}:<owner id>:<asset id>).",
        )
    return match["local"].strip()


def _readable(user: User, asset: Asset) -> bool:
    return permissions.can_access_asset(user, asset, permissions.READ)


def _require_update(user: User, asset: Asset, label: str) -> None:
    if not permissions.can_access_asset(user, asset, permissions.UPDATE):
        raise LegacyError("INVALID_SENDER", f"You may not post data for {label!r}.")


# ---------------------------------------------------------------- connections


def connection_sensor(asset: Asset) -> Sensor | None:
    """The power sensor standing for an asset's connection (see the package docstring)."""
    power = [s for s in asset.sensors if _is_power(s.unit)]
    for pick in (
        [s for s in power if (s.attributes or {}).get(CONNECTION_FLAG) is True],
        [s for s in power if s.name.strip().lower() == "power"],
        power,
    ):
        if len(pick) == 1:
            return pick[0]
    return None


def connection_name(asset: Asset) -> str:
    return str((asset.attributes or {}).get("connection_name") or asset.name)


def _is_power(unit: str) -> bool:
    try:
        return is_power_unit(unit)
    except UnitError:
        return False


def resolve_connection(
    session: Session, user: User, text: str, host: str, *, write: bool
) -> Sensor:
    """The power sensor a connection address or name stands for, if the user may read (or write) it."""
    local = _local_part(text, host)
    body = text if local is None else local
    unknown = LegacyError(
        "UNRECOGNIZED_CONNECTION_GROUP",
        f"Connection {text!r} was not found among the connections you have access to "
        "(see getConnection for their addresses and names).",
    )
    asset: Asset | None
    if match := _FM1.match(body):
        sensor = session.get(Sensor, int(match["id"]))
        if sensor is None or not _readable(user, sensor.asset):
            raise unknown
        if not _is_power(sensor.unit):
            raise LegacyError(
                "UNRECOGNIZED_CONNECTION_GROUP",
                f"Sensor {sensor.id} ({text!r}) records {sensor.unit!r}, not power: it is no connection.",
            )
        asset = sensor.asset
    else:
        if match := _OWNED.match(body):
            asset = session.get(Asset, int(match["asset"]))
            if asset is not None and asset.account_id != int(match["owner"]):
                asset = None
        elif body.isascii() and body.isdigit():
            asset = session.get(Asset, int(body))
        elif local is not None:
            raise LegacyError(
                "INVALID_DOMAIN",
                f"{text!r}: a connection's locally unique string is <owner id>:<asset id>, <asset id> "
                "or fm1.<sensor id>.",
            )
        else:
            asset = _asset_named(session, user, text)
        if asset is None or not _readable(user, asset):
            raise unknown
        sensor = connection_sensor(asset)
        if sensor is None:
            raise LegacyError(
                "UNRECOGNIZED_CONNECTION_GROUP",
                f"Asset {asset.id} ({text!r}) has no single power sensor to stand for its connection: "
                f"name one 'power' or give it the attribute {CONNECTION_FLAG}: true.",
            )
    if write:
        _require_update(user, asset, text)
    return sensor


def _asset_named(session: Session, user: User, name: str) -> Asset | None:
    """The readable asset with this connection name (attribute ``connection_name``, else its name).

    Assets that are connections come first; a readable asset of that name that is none is
    returned too, so that the caller can say why it cannot be used.
    """
    by_attribute = sa.select(Asset).where(Asset.attributes["connection_name"].as_string() == name)
    by_name = sa.select(Asset).where(Asset.name == name)
    fallback = None
    for stmt in (by_attribute, by_name):
        readable = [
            asset
            for asset in session.scalars(
                stmt.options(selectinload(Asset.sensors)).order_by(Asset.id)
            )
            if connection_name(asset) == name and _readable(user, asset)
        ]
        found = [asset for asset in readable if connection_sensor(asset) is not None]
        if len(found) > 1:
            raise LegacyError(
                "UNRECOGNIZED_CONNECTION_GROUP",
                f"Connection name {name!r} is ambiguous (assets {', '.join(str(a.id) for a in found)}); "
                "use the entity address instead.",
            )
        if found:
            return found[0]
        fallback = fallback or (readable[0] if readable else None)
    return fallback


def list_connections(session: Session, user: User, host: str) -> list[tuple[str, str]]:
    """(entity address, name) of every connection of accounts the user can read, newest first."""
    out = []
    authority = naming_authority(host)
    for asset in q_assets.readable_assets(session, user, newest_first=True):
        sensor = connection_sensor(asset)
        if sensor is not None and _readable(user, asset):
            out.append(
                (
                    f"ea1.{sensor.created_at:%Y-%m}.{authority}:{asset.account_id}:{asset.id}",
                    connection_name(asset),
                )
            )
    return out


# ---------------------------------------------------------------- markets


def price_currency(unit: str) -> str | None:
    """The currency of a price unit (``EUR/MWh`` -> ``EUR``); None if the unit is no price per energy."""
    try:
        dims = dict(parse_unit(unit).dimensionality)
    except UnitError:
        return None
    currencies = [key[len("[currency_") : -1] for key in dims if key.startswith("[currency_")]
    if len(currencies) != 1 or not is_convertible(unit, f"{currencies[0]}/MWh"):
        return None
    return currencies[0]


def resolve_market(session: Session, user: User, text: str, host: str, *, write: bool) -> Sensor:
    """The price sensor of a market: ``fm1.<sensor id>``, or a market id (see the package docstring)."""
    local = _local_part(text, host)
    key = (text if local is None else local).strip()
    if match := _FM1.match(key):
        sensor = session.get(Sensor, int(match["id"]))
        found = [sensor] if sensor is not None else []
    else:
        found = list(
            session.scalars(
                sa.select(Sensor).where(Sensor.attributes["market_id"].as_string() == key)
            )
        )
        if not found:
            assets = session.scalars(
                sa.select(Asset)
                .where(Asset.attributes["market_id"].as_string() == key)
                .options(selectinload(Asset.sensors))
            )
            for asset in assets:
                prices = [s for s in asset.sensors if price_currency(s.unit)]
                found += prices if len(prices) == 1 else []
    found = [s for s in found if _readable(user, s.asset) and price_currency(s.unit)]
    if len(found) != 1:
        problem = "is ambiguous (several price sensors carry it)" if found else "is not known"
        raise LegacyError(
            "UNRECOGNIZED_MARKET",
            f"The market {text!r} {problem}: give its price sensor the attribute market_id: {key!r}, "
            "or address the sensor as ea1.<YYYY-MM>.<authority>:fm1.<sensor id>.",
        )
    if write:
        _require_update(user, found[0].asset, text)
    return found[0]


# ---------------------------------------------------------------- weather


def weather_type(name: str) -> str | None:
    """The v1 weather type a sensor name or address part stands for (None if none)."""
    normal = " ".join(name.strip().lower().replace("_", " ").split())
    normal = _WEATHER_ALIASES.get(normal, normal)
    return normal if normal in WEATHER_UNITS else None


def _sensor_weather_type(sensor: Sensor) -> str | None:
    return weather_type(str((sensor.attributes or {}).get("weather_sensor_type") or sensor.name))


@dataclass(frozen=True)
class WeatherTarget:
    sensor: Sensor
    weather_type: str | None  # None when addressed by sensor id


def resolve_weather(
    session: Session,
    user: User,
    text: str,
    host: str,
    *,
    write: bool,
    max_distance_km: float = DEFAULT_MAX_WEATHER_DISTANCE_KM,
) -> WeatherTarget:
    """The nearest weather-station sensor of the addressed type, within ``max_distance_km``."""
    local = _local_part(text, host)
    body = (text if local is None else local).strip()
    if match := _FM1.match(body):
        sensor = session.get(Sensor, int(match["id"]))
        if sensor is None or not _readable(user, sensor.asset):
            raise LegacyError("UNRECOGNIZED_SENSOR", f"Sensor {text!r} is not known.")
        target = WeatherTarget(sensor, _sensor_weather_type(sensor))
    else:
        match = _WEATHER.match(body)
        if match is None:
            raise LegacyError(
                "INVALID_DOMAIN",
                f"{text!r} is not a weather sensor address: use <type>:<latitude>:<longitude>, "
                f"e.g. ea1.2021-01.{naming_authority(host)}:temperature:52.37:4.89.",
            )
        kind = weather_type(match["type"])
        lat, lon = float(match["lat"]), float(match["lon"])
        if kind is None:
            raise LegacyError(
                "UNRECOGNIZED_SENSOR",
                f"Unknown weather sensor type {match['type']!r}; use one of {', '.join(WEATHER_UNITS)}.",
            )
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise LegacyError("INVALID_DOMAIN", f"{text!r}: latitude or longitude out of range.")
        target = WeatherTarget(_nearest(session, user, kind, lat, lon, max_distance_km, host), kind)
    if write:
        _require_update(user, target.sensor.asset, text)
    return target


def _nearest(
    session: Session, user: User, kind: str, lat: float, lon: float, max_km: float, host: str
) -> Sensor:
    stmt = (
        sa.select(Sensor)
        .options(selectinload(Sensor.asset))
        .join(Asset, Sensor.generic_asset_id == Asset.id)
        .join(AssetType, Asset.generic_asset_type_id == AssetType.id)
        .where(
            AssetType.name == "weather station",
            Asset.latitude.is_not(None),
            Asset.longitude.is_not(None),
        )
    )
    candidates = [
        (distance_km(lat, lon, s.asset.latitude, s.asset.longitude), s.id, s)
        for s in session.scalars(stmt)
        # The query leaves out stations without a position; the check says so to mypy.
        if s.asset.latitude is not None and s.asset.longitude is not None
        if _sensor_weather_type(s) == kind and _readable(user, s.asset)
    ]
    if not candidates:
        raise LegacyError(
            "UNRECOGNIZED_SENSOR", f"No {kind} sensor is known on any weather station."
        )
    km, _, sensor = min(candidates, key=lambda c: (c[0], c[1]))
    if km > max_km:
        a = sensor.asset
        raise LegacyError(
            "UNRECOGNIZED_SENSOR",
            f"No {kind} sensor within {max_km:g} km of latitude {lat} and longitude {lon}. The nearest is "
            f"{km:.1f} km away at latitude {a.latitude} and longitude {a.longitude} "
            f"(ea1.{sensor.created_at:%Y-%m}.{naming_authority(host)}:{kind}:{a.latitude}:{a.longitude}).",
        )
    return sensor


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a spherical Earth (haversine). [km]"""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))

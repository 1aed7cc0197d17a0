"""What a sensor's asset tells the forecaster: where the sun is (solar assets) and which weather sensors it links.

- **Solar sensors** (their asset's type is ``solar``) get clear-sky irradiance
  and sun elevation as features, for the latitude and longitude of the asset
  (or, if it has none, of its nearest ancestor that has them).
- **Linked weather sensors**: the sensor attribute ``weather-sensors`` lists
  sensor ids of measured weather (irradiance, temperature, ...). They are used
  as past regressors (known up to the forecast time) unless the request names
  them as future regressors (e.g. a sensor that holds weather forecasts).
"""

from __future__ import annotations

from gridflex.engines.forecasting.solar import SolarSite
from gridflex.errors import ValidationError
from gridflex.store.models import Asset, Sensor

SOLAR_ASSET_TYPES = frozenset({"solar"})
WEATHER_ATTRIBUTE = "weather-sensors"


def solar_site(sensor: Sensor) -> SolarSite | None:
    """The site of a solar sensor with a known location, else None."""
    asset: Asset | None = sensor.asset
    if asset is None or asset.asset_type.name not in SOLAR_ASSET_TYPES:
        return None
    while asset is not None:
        if asset.latitude is not None and asset.longitude is not None:
            return SolarSite(latitude=float(asset.latitude), longitude=float(asset.longitude))
        asset = asset.parent
    return None


def weather_sensors(sensor: Sensor) -> list[int]:
    """Ids in the sensor's ``weather-sensors`` attribute (checked to be a list of ids)."""
    linked = (sensor.attributes or {}).get(WEATHER_ATTRIBUTE, [])
    if not isinstance(linked, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in linked
    ):
        raise ValidationError(
            f"Sensor {sensor.id}'s attribute {WEATHER_ATTRIBUTE!r} must be a list of sensor ids; "
            f"got {linked!r}.",
            field=WEATHER_ATTRIBUTE,
        )
    return [i for i in linked if i != sensor.id]

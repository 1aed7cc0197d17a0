"""Clear-sky irradiance and sun position at a site: features for forecasting solar sensors.

The output of a PV system follows the sun: how high it stands and how much a
cloudless sky would bring (clear-sky global horizontal irradiance, Ineichen
model with the site's monthly Linke turbidity). Both are known for any moment
in advance, so they are features of the forecast step itself, like the hour of
day. pvlib computes them offline (its turbidity and altitude tables ship with
it); it is imported only when a solar forecast is made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Steps longer than this are averaged over sub-steps of this length.
_SAMPLE = pd.Timedelta(minutes=15)
_DAYS_IN_YEAR = 365.25


@dataclass(frozen=True)
class SolarSite:
    """Where a solar asset stands.

    Attributes
    ----------
    latitude, longitude : float
        North and east positive. [deg]
    altitude_m : float or None
        Height above sea level; ``None`` looks it up in pvlib's table. [m]
    """

    latitude: float
    longitude: float
    altitude_m: float | None = None


def clear_sky(
    index: pd.DatetimeIndex, resolution: pd.Timedelta, site: SolarSite
) -> tuple[FloatArray, FloatArray]:
    """Mean clear-sky GHI and sun elevation over each step ``[t, t + resolution)``.

    Parameters
    ----------
    index : DatetimeIndex
        Event starts (tz-aware).
    resolution : Timedelta
        Step length; steps are sampled at the middle of each 15-minute part.
    site : SolarSite

    Returns
    -------
    ghi_w_per_m2 : ndarray
        Clear-sky global horizontal irradiance. [W/m²]
    elevation_deg : ndarray
        Apparent elevation of the sun's centre (negative at night). [deg]
    """
    import pvlib

    parts = max(1, int(resolution // _SAMPLE))
    offsets_ns = ((np.arange(parts) + 0.5) * (resolution.value / parts)).astype("int64")
    starts_ns = index.tz_convert("UTC").as_unit("ns").asi8
    times = pd.DatetimeIndex((starts_ns[:, None] + offsets_ns[None, :]).ravel(), tz="UTC")
    altitude = (
        site.altitude_m
        if site.altitude_m is not None
        else float(pvlib.location.lookup_altitude(site.latitude, site.longitude))
    )
    position = pvlib.solarposition.get_solarposition(
        times, site.latitude, site.longitude, altitude=altitude
    )
    zenith = position["apparent_zenith"].to_numpy(dtype="float64")
    day_of_year = times.day_of_year.to_numpy(dtype="float64")
    airmass = pvlib.atmosphere.get_absolute_airmass(
        pvlib.atmosphere.get_relative_airmass(zenith), pvlib.atmosphere.alt2pres(altitude)
    )
    with np.errstate(all="ignore"):  # the sun below the horizon: no air mass, no irradiance
        clear = pvlib.clearsky.ineichen(
            zenith,
            airmass,
            _linke_turbidity(site, day_of_year),
            altitude=altitude,
            dni_extra=pvlib.irradiance.get_extra_radiation(day_of_year),
        )
    ghi = np.nan_to_num(np.asarray(clear["ghi"], dtype="float64"), nan=0.0)
    elevation = 90.0 - zenith
    return ghi.reshape(-1, parts).mean(axis=1), elevation.reshape(-1, parts).mean(axis=1)


def _linke_turbidity(site: SolarSite, day_of_year: FloatArray) -> FloatArray:
    """The site's monthly Linke turbidity, interpolated over the year between mid-months.

    pvlib's own interpolation reads a pandas accessor that pandas 3 deprecates;
    asking for the 12 monthly values and interpolating here gives the same curve.
    """
    import pvlib

    months = pd.date_range("2001-01-15", periods=12, freq="MS", tz="UTC") + pd.Timedelta(days=14)
    monthly = pvlib.clearsky.lookup_linke_turbidity(
        months, site.latitude, site.longitude, interp_turbidity=False
    ).to_numpy(dtype="float64")
    mid_month = months.day_of_year.to_numpy(dtype="float64")
    # Periodic: December's value joins January's across the turn of the year.
    x = np.concatenate([mid_month[-1:] - _DAYS_IN_YEAR, mid_month, mid_month[:1] + _DAYS_IN_YEAR])
    y = np.concatenate([monthly[-1:], monthly, monthly[:1]])
    return np.interp(day_of_year, x, y)

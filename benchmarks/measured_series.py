"""Measured time series that ship inside PyPI packages (dev extras): nothing is downloaded.

Each loader reads a data file of an installed package by path (the package is
located with ``importlib.util.find_spec``, which does not import it, so none of
its own dependencies load) and returns a Series on a UTC index at a fixed
resolution, NaN where the file has no value.

=================  ===========================================  ===================================
series             package / file                               data
=================  ===========================================  ===================================
``solar``          pvanalytics 0.2.2 (MIT),                     AC power of NREL's SERF East fixed
                   ``pvanalytics/data/serf_east_15min_ac_``     PV system (PVDAQ system 50, Golden
                   ``power.csv``                                CO, 39.742 N 105.1727 W), 15 min,
                                                                2016-07-01 on (8 weeks used). [W]
``load``           pmdarima 2.1.1 (MIT),                        Electricity demand of England and
                   ``pmdarima/datasets/taylor.py``              Wales, half-hourly, Mon 5 June to
                   (the array in ``load_taylor``)               Sun 27 August 2000 (Taylor 2003;
                                                                also R's ``forecast::taylor``). [MW]
``temperature``    pvanalytics 0.2.2 (MIT),                     Module temperature of PVDAQ system 4
                   ``pvanalytics/data/system_4_module_``        (NREL, 39.7406 N 105.1774 W), 15
                   ``temperature.parquet``                      min, 2016-07-01 on (8 weeks
                                                                used). [°C]
``solar`` (long)   pvanalytics 0.2.2 (MIT), ``pvanalytics/``    AC power of the same SERF East
                   ``data/system_50_ac_power_2_full_DST.``      system, 15 min, 15 April 2011 to
                   ``parquet``                                  31 December 2013: validation
                                                                windows across the seasons. [W]
weather            pvanalytics 0.2.2 (MIT), ``pvanalytics/``    NSRDB PSM3 satellite-derived GHI
                   ``data/serf_east_psm3_data.csv``             at SERF East, 15 min, 1 July to 13
                                                                October 2016. [W/m²]
=================  ===========================================  ===================================

The PVDAQ data are published by NREL on the DOE Open Energy Data Initiative
(submission 4568, CC BY 4.0); pvanalytics ships them as its example data.
Tests import this module too (``benchmarks.measured_series``), so that one
loader serves both.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

WEEKS = 8
SUMMER_2016 = pd.Timestamp("2016-07-01 00:00", tz="-07:00")
# Where NREL's SERF East PV system (PVDAQ system 50) stands, as the forecaster may know it.
SERF_EAST = {"latitude": 39.742, "longitude": -105.1727, "timezone": "America/Denver"}


@dataclass(frozen=True)
class MeasuredSeries:
    """A measured series with what the forecaster may know about its site."""

    name: str
    kind: str
    values: pd.Series
    unit: str
    source: str
    latitude: float | None = None
    longitude: float | None = None
    timezone: str = "UTC"


def package_dir(name: str) -> Path:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"{name} is not installed; it is a dev dependency: pip install -e '.[dev]'"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _regular(values: pd.Series, resolution: str, start: pd.Timestamp, weeks: int) -> pd.Series:
    """``weeks`` of the series from ``start`` on a full grid of ``resolution`` (NaN for gaps), UTC."""
    values = values[~values.index.duplicated()].sort_index()
    start_utc = start.tz_convert("UTC")
    index = pd.date_range(
        start_utc,
        periods=weeks * 7 * pd.Timedelta(days=1) // pd.Timedelta(resolution),
        freq=resolution,
    )
    out = values.tz_convert("UTC").reindex(index).astype("float64")
    out.index.freq = None
    return out


def serf_east_ac_power(weeks: int = WEEKS) -> MeasuredSeries:
    """AC power of the SERF East PV system, 15 min, from 1 July 2016. [W]"""
    path = package_dir("pvanalytics") / "data" / "serf_east_15min_ac_power.csv"
    frame = pd.read_csv(path, index_col=0)
    values = pd.Series(
        frame["ac_power"].to_numpy(), index=pd.DatetimeIndex(pd.to_datetime(frame.index))
    )
    return MeasuredSeries(
        name="PV AC power, SERF East (NREL)",
        kind="solar",
        values=_regular(values, "15min", SUMMER_2016, weeks).rename("ac_power_w"),
        unit="W",
        source="pvanalytics 0.2.2: pvanalytics/data/serf_east_15min_ac_power.csv",
        **SERF_EAST,
    )


def system_50_ac_power() -> MeasuredSeries:
    """AC power of the SERF East PV system (PVDAQ system 50), 15 min, 2011-04-15 to 2013-12-31. [W]

    The file's timestamps carry a fixed UTC-07:00 offset but follow the local
    clock (the output's midday jumps by about an hour at each daylight-saving
    change; pvanalytics ships the file as an example of that). They are read
    as America/Denver wall-clock times; the hour repeated each autumn is dropped.
    """
    path = package_dir("pvanalytics") / "data" / "system_50_ac_power_2_full_DST.parquet"
    frame = pd.read_parquet(path)
    wall = pd.DatetimeIndex(frame["measured_on"]).tz_localize(None)
    index = wall.tz_localize("America/Denver", ambiguous="NaT", nonexistent="NaT")
    values = pd.Series(frame["ac_power_2"].to_numpy("float64"), index=index)
    values = values[values.index.notna()]
    start = pd.Timestamp("2011-04-16 00:00", tz="-07:00")
    weeks = int((values.index[-1] - start) // pd.Timedelta(days=7))
    return MeasuredSeries(
        name="PV AC power, SERF East 2011-2013 (NREL)",
        kind="solar",
        values=_regular(values, "15min", start, weeks).rename("ac_power_w"),
        unit="W",
        source="pvanalytics 0.2.2: pvanalytics/data/system_50_ac_power_2_full_DST.parquet",
        **SERF_EAST,
    )


def serf_east_satellite_ghi(weeks: int = WEEKS) -> pd.Series:
    """NSRDB PSM3 global horizontal irradiance at SERF East, 15 min, from 1 July 2016. [W/m²]

    Satellite-derived, so known only afterwards: as a forecast regressor it
    stands for a perfect weather forecast.
    """
    path = package_dir("pvanalytics") / "data" / "serf_east_psm3_data.csv"
    frame = pd.read_csv(path, index_col=0)
    values = pd.Series(
        frame["ghi"].to_numpy("float64"), index=pd.DatetimeIndex(pd.to_datetime(frame.index))
    )
    return _regular(values, "15min", SUMMER_2016, weeks).rename("ghi_w_per_m2")


def system_4_module_temperature(weeks: int = WEEKS) -> MeasuredSeries:
    """Module temperature of PVDAQ system 4, 15 min, from 1 July 2016. [°C]"""
    path = package_dir("pvanalytics") / "data" / "system_4_module_temperature.parquet"
    frame = pd.read_parquet(path)
    values = pd.Series(frame["module_temp_1"].to_numpy(), index=pd.DatetimeIndex(frame["index"]))
    return MeasuredSeries(
        name="PV module temperature, PVDAQ system 4 (NREL)",
        kind="temperature",
        values=_regular(values, "15min", SUMMER_2016, weeks).rename("module_temp_c"),
        unit="°C",
        source="pvanalytics 0.2.2: pvanalytics/data/system_4_module_temperature.parquet",
        latitude=39.7406,
        longitude=-105.1774,
        timezone="America/Denver",
    )


def taylor_demand() -> MeasuredSeries:
    """Half-hourly demand of England and Wales, 5 June to 27 August 2000 (12 weeks). [MW]

    The values are the literal array in ``load_taylor`` (pmdarima keeps this data
    set in its source); reading it with :mod:`ast` avoids importing pmdarima and
    its dependencies. The series starts at midnight on Monday 5 June 2000, UK
    local time (BST, UTC+1, throughout the period).
    """
    source = (package_dir("pmdarima") / "datasets" / "taylor.py").read_text()
    numbers = next(
        node.elts
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.List) and len(node.elts) > 1000
    )
    values = np.array([ast.literal_eval(n) for n in numbers], dtype="float64")
    index = pd.date_range("2000-06-05", periods=len(values), freq="30min", tz="Europe/London")
    series = pd.Series(values, index=index.tz_convert("UTC"), name="demand_mw")
    return MeasuredSeries(
        name="Electricity demand, England and Wales",
        kind="load",
        values=series,
        unit="MW",
        source="pmdarima 2.1.1: pmdarima/datasets/taylor.py (load_taylor)",
        timezone="Europe/London",
    )


def all_series() -> list[MeasuredSeries]:
    return [serf_east_ac_power(), taylor_demand(), system_4_module_temperature()]

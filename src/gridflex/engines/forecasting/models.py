"""The forecasting models: persistence, seasonal-naive baselines and gradient boosting.

All work on grid positions and arrays prepared by :mod:`.features`; none
knows about time stamps. scikit-learn is imported when a model is fitted, not
with this module: the API server and the CLI import the engine at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Below this clear-sky irradiance a ratio to it says nothing (dawn, dusk). [W/m²]
MIN_CLEAR_W_PER_M2 = 50.0

#: Gradient-boosting settings: fixed seed and no early stopping, so that the
#: same data always gives the same model (early stopping would draw a random
#: validation split). 200 trees of at most 15 leaves fit a year of 15-minute
#: data in well under a second per model; on the benchmark series they were
#: as accurate as 31 leaves and faster.
BOOSTED_PARAMS: dict[str, Any] = {
    "max_iter": 200,
    "learning_rate": 0.1,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 20,
    "l2_regularization": 0.0,
    "early_stopping": False,
    "random_state": 0,
}


class SeasonalNaive:
    """Forecast each step by the latest known value one or more seasons earlier.

    For a step ``t`` with lead ``h`` (steps after the origin) the forecast is
    the target at ``t - k * season`` for the smallest ``k >= ceil(h / season)``
    whose value is known and not before ``first``: same time yesterday (or last
    week), or the cycle before that when the value is missing.

    Parameters
    ----------
    season_steps : int
        Length of the season in grid steps (96 for a day at 15 minutes).
    """

    def __init__(self, season_steps: int) -> None:
        if season_steps < 1:
            raise ValueError("season_steps must be at least 1")
        self.season_steps = season_steps

    def predict(
        self, known: FloatArray, *, rows: IntArray, lead: IntArray, first: int = 0
    ) -> FloatArray:
        """Seasonal-naive values for target positions ``rows`` (NaN where no cycle is known).

        Parameters
        ----------
        known : ndarray
            Target on the grid, NaN from the origin on.
        rows, lead : ndarray of int
            Target positions and their leads (``>= 1``).
        first : int
            Earliest grid position that may be copied.
        """
        season = self.season_steps
        source = rows - (-(-lead // season)) * season
        out = np.full(len(rows), np.nan)
        todo = np.ones(len(rows), dtype=bool)
        while True:
            todo &= source >= first
            if not todo.any():
                return out
            values = known[source[todo]]
            hit = ~np.isnan(values)
            index = np.flatnonzero(todo)
            out[index[hit]] = values[hit]
            todo[index[hit]] = False
            source = source - season


class SeasonalMedian:
    """Forecast each step by the median of its known values on the last ``cycles`` seasons.

    For a step ``t`` with lead ``h`` the values at ``t - k * season`` for the
    ``cycles`` smallest ``k >= ceil(h / season)``, the unknown ones left out:
    the middle of what the same time of day looked like lately. The median, not
    the mean, because it minimises the absolute error, and a few cloudy days
    pull a mean of PV output far below a typical day.

    With ``clear_sky`` (the site's clear-sky irradiance per grid step) the
    median is taken of the clear-sky index (value / clear-sky irradiance) and
    multiplied back by the clear sky of the step itself, so that the profile
    follows the sun's path as the days lengthen or shorten. Where the sun is
    too low for the index to mean anything, the plain median is used.
    """

    def __init__(self, season_steps: int, cycles: int, clear_sky: FloatArray | None = None) -> None:
        if season_steps < 1 or cycles < 1:
            raise ValueError("season_steps and cycles must be at least 1")
        self.season_steps = season_steps
        self.cycles = cycles
        self.clear_sky = clear_sky

    def predict(
        self, known: FloatArray, *, rows: IntArray, lead: IntArray, first: int = 0
    ) -> FloatArray:
        """Seasonal medians for target positions ``rows`` (NaN where no cycle is known)."""
        back = (-(-lead // self.season_steps))[:, None] + np.arange(self.cycles)[None, :]
        source = rows[:, None] - back * self.season_steps
        ok = (source >= first) & (source < len(known))
        values = np.where(ok, known[np.clip(source, 0, len(known) - 1)], np.nan)
        plain = _nanmedian_rows(values)
        if self.clear_sky is None:
            return plain
        clear = self.clear_sky
        with np.errstate(divide="ignore", invalid="ignore"):
            clear_then = np.where(ok, clear[np.clip(source, 0, len(clear) - 1)], np.nan)
            index = np.where(clear_then >= MIN_CLEAR_W_PER_M2, values / clear_then, np.nan)
        scaled = _nanmedian_rows(index) * clear[rows]
        use = (clear[rows] >= MIN_CLEAR_W_PER_M2) & ~np.isnan(scaled)
        return np.where(use, scaled, plain)


def _nanmedian_rows(values: FloatArray) -> FloatArray:
    """Median of the known values of each row; NaN for a row without any (no warning)."""
    out = np.full(len(values), np.nan)
    some = ~np.isnan(values).all(axis=1)
    if some.any():
        out[some] = np.nanmedian(values[some], axis=1)
    return out


class Persistence:
    """Forecast every step by the latest known value before the origin.

    The latest known value at or after ``first``; NaN when there is none.
    """

    def predict(
        self, known: FloatArray, *, rows: IntArray, lead: IntArray, first: int = 0
    ) -> FloatArray:
        """Persistence values for target positions ``rows`` (``known`` is NaN from the origin on)."""
        positions = np.arange(len(known))
        latest = np.maximum.accumulate(np.where(np.isnan(known), -1, positions))
        source = latest[np.clip(rows - lead, 0, len(known) - 1)]
        ok = (rows - lead >= 0) & (source >= first)
        out = np.full(len(rows), np.nan)
        out[ok] = known[source[ok]]
        return out


class BoostedModel:
    """Histogram gradient boosting for a point forecast or a set of quantiles.

    Parameters
    ----------
    quantiles : sequence of float, optional
        Cumulative probabilities to forecast (each fitted with the quantile
        loss). ``None`` fits one model with the squared error (the mean).
    params : mapping, optional
        Overrides of :data:`BOOSTED_PARAMS`.
    threads : int or None
        OpenMP threads per fit and predict; ``None`` leaves scikit-learn's
        default (all cores).

    Notes
    -----
    One thread by default: the boosting loop synchronises its OpenMP threads
    hundreds of times per tree, and when another process holds a core the
    waiting threads stall it (a 1 s fit took over 40 s on a busy 2-core
    machine). Parallelism comes from running forecast jobs in several workers.
    """

    def __init__(
        self,
        *,
        quantiles: Sequence[float] | None = None,
        params: Mapping[str, Any] | None = None,
        threads: int | None = 1,
    ) -> None:
        self.quantiles = tuple(sorted(quantiles)) if quantiles is not None else None
        self.params = {**BOOSTED_PARAMS, **(params or {})}
        self.threads = threads
        self._models: list[Any] = []
        self.used_columns: NDArray[np.bool_] = np.ones(0, dtype=bool)

    def fit(self, features: FloatArray, target: FloatArray) -> BoostedModel:
        """Fit on a feature matrix (NaN = missing) and observed target values."""
        from sklearn.ensemble import HistGradientBoostingRegressor
        from threadpoolctl import threadpool_limits

        if self.quantiles is None:
            losses: list[dict[str, Any]] = [{"loss": "squared_error"}]
        else:
            losses = [{"loss": "quantile", "quantile": q} for q in self.quantiles]
        # A column without any value (e.g. last week's load when the history
        # is shorter than a week) carries nothing and cannot be binned: leave it out.
        self.used_columns = np.asarray(~np.isnan(features).all(axis=0), dtype=bool)
        with threadpool_limits(limits=self.threads, user_api="openmp"):
            self._models = [
                HistGradientBoostingRegressor(**self.params, **loss).fit(
                    features[:, self.used_columns], target
                )
                for loss in losses
            ]
        return self

    def predict(self, features: FloatArray) -> FloatArray:
        """Point forecast: the mean model, or the median when fitted for quantiles."""
        from threadpoolctl import threadpool_limits

        if self.quantiles is None:
            with threadpool_limits(limits=self.threads, user_api="openmp"):
                prediction = self._models[0].predict(features[:, self.used_columns])
            return np.asarray(prediction, dtype="float64")
        quantiles = self.predict_quantiles(features)
        if 0.5 not in quantiles:
            raise ValueError("predict needs the 0.5 quantile among the fitted quantiles")
        return quantiles[0.5]

    def predict_quantiles(self, features: FloatArray) -> dict[float, FloatArray]:
        """Quantile forecasts, sorted per step so that lower levels never exceed higher ones.

        Separately fitted quantile models can cross; sorting the predictions
        of each step keeps the set a valid (monotone) quantile function
        without moving any prediction outside the range the models gave.
        """
        if self.quantiles is None:
            raise ValueError("this model was fitted for a point forecast, not quantiles")
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self.threads, user_api="openmp"):
            predictions = [m.predict(features[:, self.used_columns]) for m in self._models]
        stacked = np.sort(np.vstack(predictions), axis=0)
        return {q: stacked[i].astype("float64") for i, q in enumerate(self.quantiles)}

    def describe(self) -> dict[str, Any]:
        """Settings for the data-source record (JSON-friendly)."""
        import sklearn

        return {
            "estimator": "sklearn.ensemble.HistGradientBoostingRegressor",
            "sklearn_version": sklearn.__version__,
            "quantiles": list(self.quantiles) if self.quantiles is not None else None,
            "threads": self.threads,
            **self.params,
        }

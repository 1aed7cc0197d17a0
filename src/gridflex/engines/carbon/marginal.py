"""Marginal mix: which production types follow a change in consumption (an estimate).

Method
------
For one zone, take step-to-step changes of consumption ``dC[t]`` and of
production by type ``dP[t, k]``. For each group of steps (the caller labels
them, typically by hour of day, so that daily ramps such as solar do not pass
for load-following) and each type fit

    dP[t, k] = a[g, k] + b[g, k] dC[t] + e[t, k],   b[g, k] >= 0,

by least squares. ``b`` is in MW of type k per MW of consumption. Must-run
types (nuclear, geothermal, solar, wind: they do not follow load) are fixed
at ``b = 0``. Each type has a single regressor, so the constrained optimum is
the unconstrained slope clipped at zero (the objective is a convex parabola in
``b``, and ``a`` is the mean residual for any ``b``); the tests check this
against ``scipy.optimize.lsq_linear``.

The marginal mix is ``b / sum_k b``: the origin of an extra MWh that the zone
produces itself. ``explained_frac = sum_k b`` is the part of a load change
met by the zone's own plants; the rest comes through exchanges. A group with
too few changes, or with no load-following type, uses the estimate over all
steps and is flagged ``pooled``.

This is a statistical estimate from past co-movements, not a dispatch model:
results say so (``is_estimate``) and carry the method's name.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gridflex.engines.carbon.production_types import MUST_RUN_TYPES, PRODUCTION_TYPES, type_mask
from gridflex.errors import InsufficientDataError, ValidationError

METHOD = "non-negative regression of production changes on consumption changes"


@dataclass(frozen=True)
class MarginalMix:
    """A fitted marginal mix per group of steps.

    Attributes
    ----------
    groups : ndarray of int, shape (G,)
        Group labels, ascending.
    slope_mw_per_mw : ndarray, shape (G, K)
        Fitted ``b``. [MW/MW]
    mix_frac : ndarray, shape (G, K)
        Marginal share of each type (rows sum to 1). [-]
    explained_frac : ndarray, shape (G,)
        ``sum_k b``: share of a load change met by the zone's own plants. [-]
    n_changes : ndarray of int, shape (G,)
        Step-to-step changes the group's fit used.
    pooled : ndarray of bool, shape (G,)
        True where the group fell back to the estimate over all steps.
    is_estimate : bool
        Always True: the figures are statistical estimates.
    method : str
        Name of the method.
    """

    groups: NDArray[np.int64]
    slope_mw_per_mw: NDArray[np.float64]
    mix_frac: NDArray[np.float64]
    explained_frac: NDArray[np.float64]
    n_changes: NDArray[np.int64]
    pooled: NDArray[np.bool_]
    is_estimate: bool = True
    method: str = METHOD

    def mix_for(self, groups: ArrayLike) -> NDArray[np.float64]:
        """Marginal mix for each step of a forecast, by its group label.

        Parameters
        ----------
        groups : array_like of int, shape (H,)

        Returns
        -------
        ndarray, shape (H, K)
            [-]

        Raises
        ------
        InsufficientDataError
            For a label that the fit has not seen.
        """
        labels = np.asarray(groups, dtype=np.int64).reshape(-1)
        rows = np.searchsorted(self.groups, labels)
        rows = np.clip(rows, 0, self.groups.size - 1)
        unseen = self.groups[rows] != labels
        if np.any(unseen):
            raise InsufficientDataError(
                f"No marginal mix was fitted for group {int(labels[unseen][0])}.", field="groups"
            )
        return self.mix_frac[rows]


def fit_marginal_mix(
    production_mw: ArrayLike,
    consumption_mw: ArrayLike,
    *,
    groups: ArrayLike | None = None,
    must_run_types: Collection[str] = MUST_RUN_TYPES,
    min_changes: int = 24,
) -> MarginalMix:
    """Fit the marginal mix of one zone from its history.

    Parameters
    ----------
    production_mw : array_like, shape (T, K)
        Production by type at consecutive steps; NaN counts as 0. [MW]
    consumption_mw : array_like, shape (T,)
        Consumption at the same steps; a NaN drops the changes next to it. [MW]
    groups : array_like of int, shape (T,), optional
        Label of each step (e.g. its UTC hour); a change belongs to the group
        of the step it ends at. Default: one group, 0.
    must_run_types : collection of str
        Types fixed at a zero slope.
    min_changes : int
        Fewest changes a group needs for its own fit.

    Returns
    -------
    MarginalMix

    Raises
    ------
    InsufficientDataError
        If even all steps together give fewer than ``min_changes`` changes, no
        change in consumption, or no load-following type.
    """
    production, consumption, labels = _inputs(production_mw, consumption_mw, groups)
    unknown_types = set(must_run_types) - set(PRODUCTION_TYPES)
    if unknown_types:
        raise ValidationError(
            f"Unknown must-run types: {sorted(unknown_types)}.", field="must_run_types"
        )
    d_load = np.diff(consumption)
    d_prod = np.diff(production, axis=0)
    d_labels = labels[1:]
    valid = np.isfinite(d_load)
    d_load, d_prod, d_labels = d_load[valid], d_prod[valid], d_labels[valid]
    free = ~np.asarray(type_mask(set(must_run_types)))
    pooled_slope = _slopes(d_load, d_prod, free)
    if d_load.size < min_changes or pooled_slope is None:
        raise InsufficientDataError(
            f"The marginal mix needs at least {min_changes} step-to-step changes with varying "
            f"consumption and a load-following production type; got {d_load.size} changes.",
            field="consumption_mw",
        )
    unique = np.unique(labels)
    slopes = np.empty((unique.size, len(PRODUCTION_TYPES)))
    counts = np.zeros(unique.size, dtype=np.int64)
    pooled = np.zeros(unique.size, dtype=bool)
    for row, label in enumerate(unique):
        in_group = d_labels == label
        counts[row] = int(in_group.sum())
        own = (
            _slopes(d_load[in_group], d_prod[in_group], free)
            if counts[row] >= min_changes
            else None
        )
        pooled[row] = own is None
        slopes[row] = pooled_slope if own is None else own
    explained = slopes.sum(axis=1)
    return MarginalMix(
        groups=unique,
        slope_mw_per_mw=slopes,
        mix_frac=slopes / explained[:, None],
        explained_frac=explained,
        n_changes=counts,
        pooled=pooled,
    )


def _slopes(
    d_load: NDArray[np.float64], d_prod: NDArray[np.float64], free: NDArray[np.bool_]
) -> NDArray[np.float64] | None:
    """Slopes >= 0 with a free intercept; None when nothing can be fitted."""
    if d_load.size < 2:
        return None
    load_dev = d_load - d_load.mean()
    spread = float(load_dev @ load_dev)
    if spread <= 1e-12 * max(1.0, float(d_load @ d_load)):
        return None
    slope = np.maximum((load_dev @ (d_prod - d_prod.mean(axis=0))) / spread, 0.0)
    slope = np.where(free, slope, 0.0)
    return slope if slope.sum() > 0 else None


def _inputs(
    production_mw: ArrayLike, consumption_mw: ArrayLike, groups: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    production = np.asarray(production_mw, dtype=np.float64)
    consumption = np.asarray(consumption_mw, dtype=np.float64)
    if production.ndim != 2 or production.shape[1] != len(PRODUCTION_TYPES):
        raise ValidationError(
            f"production_mw must have shape (T, {len(PRODUCTION_TYPES)}), got {production.shape}.",
            field="production_mw",
        )
    if consumption.shape != (production.shape[0],):
        raise ValidationError(
            f"consumption_mw must have shape ({production.shape[0]},), got {consumption.shape}.",
            field="consumption_mw",
        )
    labels = (
        np.zeros(production.shape[0], dtype=np.int64)
        if groups is None
        else np.asarray(groups, dtype=np.int64)
    )
    if labels.shape != consumption.shape:
        raise ValidationError(
            f"groups must have shape ({production.shape[0]},), got {labels.shape}.", field="groups"
        )
    return np.where(np.isnan(production), 0.0, production), consumption, labels

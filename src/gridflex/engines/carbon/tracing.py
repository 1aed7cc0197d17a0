"""Flow tracing: what each zone consumes, by production type and by emissions.

Method
------
Power entering a zone, from its own plants (P) or as imports (I), is assumed
to mix perfectly before it is consumed or exported ("proportional sharing").
With ``F[j, i]`` the power flowing from zone j to zone i and ``x[i]`` any
quantity per MWh of the mix in zone i,

    (P[i] + I[i]) x[i] - sum_j F[j, i] x[j] = b[i],   i.e.   (diag(P + I) - F^T) x = b.

With ``b`` the production of type k the solution is the share of type k in
zone i's mix; with ``b[i] = sum_k factor[i, k] P[i, k]`` it is the
consumption-based carbon intensity. One system per time step; all right-hand
sides are solved at once. Zones with data consume ``C = P + I - E``.

Special cases
-------------
- A zone *without data* at a step (all its production NaN, or ``has_data``
  False) exports the fallback mix: its row is replaced by ``x[i] = fallback``.
  Its own consumption is unknown (NaN).
- A zone with no inflow (P + I = 0) consumes nothing: its shares are 0 and
  its intensity NaN; nothing else is affected.
- Storage: discharge is production (the "... discharge" types); charging is
  load, so it is part of ``C`` and needs no input of its own.

Solvers
-------
``dense`` stacks the steps into ``(T, Z, Z)`` matrices for one batched LAPACK
solve; ``sparse`` puts a chunk of steps into one block-diagonal sparse matrix
for a single SuperLU factorisation, which wins when zones are many and links
few. Both are exact; the tests check that they agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gridflex.engines.carbon.exchanges import ExchangeLinks, exchange_links
from gridflex.engines.carbon.production_types import PRODUCTION_TYPES, type_index
from gridflex.errors import ValidationError

_NO_INFLOW_MW = 1e-9  # inflows below a milliwatt are rounding noise, not power
_DENSE_MAX_ZONES = 100  # above this the block-diagonal sparse solve is faster
_CHUNK_ENTRIES = 2_000_000  # dense: matrix entries per chunk of steps, bounds the working set
_SPARSE_CHUNK_UNKNOWNS = 50_000  # sparse: SuperLU's ordering grows faster than linearly


@dataclass(frozen=True)
class TracedFlows:
    """Result of :func:`trace_flows`; arrays over steps ``T``, zones ``Z``, types ``K``.

    Attributes
    ----------
    production_mw : ndarray, shape (T, Z, K)
        Production with unreported (NaN) entries as 0. [MW]
    production_reported : ndarray of bool, shape (T, Z, K)
        False where the input production was NaN (the API shows ``null``).
    has_data : ndarray of bool, shape (T, Z)
        False for zones traced with the fallback mix.
    consumption_frac : ndarray, shape (T, Z, K)
        Share of each type in what the zone consumes (and exports); the fallback
        mix for zones without data, 0 for zones with no inflow. [-]
    consumption_mw : ndarray, shape (T, Z, K)
        Consumption by type; NaN for zones without data. [MW]
    production_total_mw, import_total_mw, export_total_mw, consumption_total_mw : ndarray, shape (T, Z)
        Totals; production and consumption NaN for zones without data. [MW]
    links : ExchangeLinks
        The net flows between zones.
    consumption_intensity_g_per_kwh : dict of str to ndarray, shape (T, Z)
        Consumption-based intensity per factor set passed in; NaN without data
        or without inflow. [gCO2eq/kWh]
    """

    production_mw: NDArray[np.float64]
    production_reported: NDArray[np.bool_]
    has_data: NDArray[np.bool_]
    consumption_frac: NDArray[np.float64]
    consumption_mw: NDArray[np.float64]
    production_total_mw: NDArray[np.float64]
    import_total_mw: NDArray[np.float64]
    export_total_mw: NDArray[np.float64]
    consumption_total_mw: NDArray[np.float64]
    links: ExchangeLinks
    consumption_intensity_g_per_kwh: dict[str, NDArray[np.float64]] = field(default_factory=dict)

    def neighbours(self, zone: int) -> NDArray[np.intp]:
        """Indices of the zones linked to ``zone``, ascending."""
        links = self.links
        other = np.concatenate(
            [links.to_index[links.from_index == zone], links.from_index[links.to_index == zone]]
        )
        return np.unique(other)

    def import_mw(self, zone: int) -> NDArray[np.float64]:
        """Power flowing into ``zone`` from each zone, shape (T, Z). [MW]"""
        return self._flows_at(zone, into=True)

    def export_mw(self, zone: int) -> NDArray[np.float64]:
        """Power flowing out of ``zone`` to each zone, shape (T, Z). [MW]"""
        return self._flows_at(zone, into=False)

    def _flows_at(self, zone: int, *, into: bool) -> NDArray[np.float64]:
        links = self.links
        sign = 1.0 if into else -1.0
        out = np.zeros((links.n_steps, links.n_zones))
        # A forward flow on (a -> b) enters b; a backward flow enters a.
        at_to = links.to_index == zone
        at_from = links.from_index == zone
        out[:, links.from_index[at_to]] = np.maximum(sign * links.net_flow_mw[:, at_to], 0.0)
        out[:, links.to_index[at_from]] = np.maximum(-sign * links.net_flow_mw[:, at_from], 0.0)
        return out


def trace_flows(
    production_mw: ArrayLike,
    exchange_mw: ArrayLike | ExchangeLinks,
    *,
    factors_g_per_kwh: Mapping[str, ArrayLike] | None = None,
    fallback_mix_frac: ArrayLike | None = None,
    has_data: ArrayLike | None = None,
    balance_tolerance_mw: float = 1e-6,
    method: Literal["auto", "dense", "sparse"] = "auto",
) -> TracedFlows:
    """Trace power flows between zones into consumption mixes and intensities.

    Parameters
    ----------
    production_mw : array_like, shape (T, Z, K)
        Mean production per step, zone and type (``PRODUCTION_TYPES`` order),
        as magnitudes >= 0; NaN = not reported. [MW]
    exchange_mw : array_like, shape (T, Z, Z), or ExchangeLinks
        Flows between zones, see :func:`exchange_links` for the matrix forms. [MW]
    factors_g_per_kwh : mapping of str to array_like, optional
        Named emission factor sets (e.g. ``{"lifecycle": ..., "direct": ...}``),
        each of shape (K,), (Z, K) or (T, Z, K). [gCO2eq/kWh]
    fallback_mix_frac : array_like, shape (K,) or (Z, K), optional
        Mix exported by zones without data; normalised to sum 1. Default: all
        ``unknown``. [-]
    has_data : array_like of bool, shape (Z,) or (T, Z), optional
        Which zones have data; default: those whose production is not all NaN.
    balance_tolerance_mw : float
        How far exports may exceed production plus imports (rounding in the
        source data) before the step is rejected. [MW]
    method : {"auto", "dense", "sparse"}
        Linear solver, see the module docstring.

    Returns
    -------
    TracedFlows

    Raises
    ------
    ValidationError
        On wrong shapes, negative or infinite production, non-finite exchanges,
        or a zone exporting more than it produces and imports.
    """
    production = _production(production_mw)
    n_steps, n_zones, _ = production.shape
    links = exchange_mw if isinstance(exchange_mw, ExchangeLinks) else exchange_links(exchange_mw)
    if links.n_zones != n_zones or links.n_steps != n_steps:
        raise ValidationError(
            f"Exchanges cover {links.n_steps} steps x {links.n_zones} zones but production "
            f"covers {n_steps} x {n_zones}.",
            field="exchange_mw",
        )
    reported = ~np.isnan(production)
    data = _has_data(has_data, reported, n_steps, n_zones)
    production = np.where(reported, production, 0.0)
    fallback = _fallback(fallback_mix_frac, n_zones)
    factors = {
        name: _factors(value, n_steps, n_zones, name)
        for name, value in (factors_g_per_kwh or {}).items()
    }
    if method == "auto":
        method = "dense" if n_zones <= _DENSE_MAX_ZONES else "sparse"
    if method not in ("dense", "sparse"):
        raise ValidationError(f"Unknown method {method!r}.", field="method")
    return _trace(
        production, reported, data, links, fallback, factors, balance_tolerance_mw, method
    )


def _trace(
    production: NDArray[np.float64],
    reported: NDArray[np.bool_],
    data: NDArray[np.bool_],
    links: ExchangeLinks,
    fallback: NDArray[np.float64],
    factors: dict[str, NDArray[np.float64]],
    tolerance_mw: float,
    method: str,
) -> TracedFlows:
    n_steps, n_zones, n_types = production.shape
    import_mw, export_mw = links.import_export_totals_mw()
    production_total = production.sum(axis=2)
    inflow = production_total + import_mw
    consumption_total = inflow - export_mw
    _check_balance(consumption_total, data, tolerance_mw)
    active = data & (inflow > _NO_INFLOW_MW)
    solution = np.empty((n_steps, n_zones, n_types + len(factors)))
    per_chunk = (
        _CHUNK_ENTRIES // max(1, n_zones * n_zones)
        if method == "dense"
        else _SPARSE_CHUNK_UNKNOWNS // max(1, n_zones)
    )
    chunk = max(1, per_chunk)
    for start in range(0, n_steps, chunk):
        window = slice(start, min(n_steps, start + chunk))
        rhs = _right_hand_sides(
            production[window], data[window], active[window], fallback, factors, window
        )
        solver = _solve_dense if method == "dense" else _solve_sparse
        solution[window] = solver(inflow[window], links, window, active[window], rhs)
    shares = np.clip(solution[..., :n_types], 0.0, 1.0)  # removes round-off outside [0, 1]
    consumption_total = np.where(data, np.maximum(consumption_total, 0.0), np.nan)
    intensities = {
        name: np.where(active, solution[..., n_types + m], np.nan) for m, name in enumerate(factors)
    }
    return TracedFlows(
        production_mw=production,
        production_reported=reported,
        has_data=data,
        consumption_frac=shares,
        consumption_mw=shares * consumption_total[..., None],
        production_total_mw=np.where(data, production_total, np.nan),
        import_total_mw=import_mw,
        export_total_mw=export_mw,
        consumption_total_mw=consumption_total,
        links=links,
        consumption_intensity_g_per_kwh=intensities,
    )


def _right_hand_sides(
    production: NDArray[np.float64],
    data: NDArray[np.bool_],
    active: NDArray[np.bool_],
    fallback: NDArray[np.float64],
    factors: dict[str, NDArray[np.float64]],
    window: slice,
) -> NDArray[np.float64]:
    # Rows of zones without data are pinned to the fallback mix, rows of zones
    # without inflow to zero; the matrix builders give those rows a unit diagonal.
    mix_rhs = np.where(active[..., None], production, 0.0)
    mix_rhs = np.where(data[..., None], mix_rhs, fallback[None, :, :])
    columns = [mix_rhs]
    for f in factors.values():
        f_window = f[window] if f.shape[0] > 1 else f
        emitted = np.einsum("tzk,tzk->tz", production, np.broadcast_to(f_window, production.shape))
        pinned = np.einsum("zk,tzk->tz", fallback, np.broadcast_to(f_window, production.shape))
        columns.append(np.where(active, emitted, np.where(data, 0.0, pinned))[..., None])
    return np.concatenate(columns, axis=2)


def _solve_dense(
    inflow: NDArray[np.float64],
    links: ExchangeLinks,
    window: slice,
    active: NDArray[np.bool_],
    rhs: NDArray[np.float64],
) -> NDArray[np.float64]:
    n_steps, n_zones = inflow.shape
    flow = links.net_flow_mw[window]
    matrix = np.zeros((n_steps, n_zones, n_zones))
    # Row i collects what flows *into* i: a forward flow on link (a -> b) enters b.
    matrix[:, links.to_index, links.from_index] = -np.maximum(flow, 0.0)
    matrix[:, links.from_index, links.to_index] = -np.maximum(-flow, 0.0)
    matrix *= active[:, :, None]  # pinned rows keep only their unit diagonal
    diagonal = np.arange(n_zones)
    matrix[:, diagonal, diagonal] = np.where(active, inflow, 1.0)
    try:
        solution = np.asarray(np.linalg.solve(matrix, rhs), dtype=np.float64)
    except np.linalg.LinAlgError as exc:
        raise ValidationError(
            "Flow tracing met a singular system: power circulates between zones that neither "
            f"consume nor produce it (steps {window.start}-{window.stop - 1}).",
            field="exchange_mw",
        ) from exc
    return solution


def _solve_sparse(
    inflow: NDArray[np.float64],
    links: ExchangeLinks,
    window: slice,
    active: NDArray[np.bool_],
    rhs: NDArray[np.float64],
) -> NDArray[np.float64]:
    # scipy loads here, on the first long trace, not in every web process (~15 MiB).
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    n_steps, n_zones = inflow.shape
    flow = links.net_flow_mw[window]
    offset = (np.arange(n_steps) * n_zones)[:, None]
    forward = np.maximum(flow, 0.0)
    backward = np.maximum(-flow, 0.0)
    # Same entries as the dense builder, laid out block-diagonally over the steps.
    rows = np.concatenate([(offset + links.to_index).ravel(), (offset + links.from_index).ravel()])
    cols = np.concatenate([(offset + links.from_index).ravel(), (offset + links.to_index).ravel()])
    vals = -np.concatenate([forward.ravel(), backward.ravel()])
    keep = (vals != 0.0) & active.ravel()[rows]
    diag = np.arange(n_steps * n_zones)
    rows = np.concatenate([rows[keep], diag])
    cols = np.concatenate([cols[keep], diag])
    vals = np.concatenate([vals[keep], np.where(active, inflow, 1.0).ravel()])
    matrix = sp.csc_matrix((vals, (rows, cols)), shape=(diag.size, diag.size))
    # Links run both ways, so ordering on the pattern of A + A^T keeps the fill low.
    try:
        solution = spla.splu(matrix, permc_spec="MMD_AT_PLUS_A").solve(rhs.reshape(diag.size, -1))
    except RuntimeError as exc:  # SuperLU reports an exactly singular factor this way
        raise ValidationError(
            "Flow tracing met a singular system: power circulates between zones that neither "
            f"consume nor produce it (steps {window.start}-{window.stop - 1}).",
            field="exchange_mw",
        ) from exc
    return solution.reshape(rhs.shape)


def _production(production_mw: ArrayLike) -> NDArray[np.float64]:
    production = np.array(production_mw, dtype=np.float64)
    if production.ndim != 3 or production.shape[2] != len(PRODUCTION_TYPES):
        raise ValidationError(
            f"production_mw must have shape (T, Z, {len(PRODUCTION_TYPES)}), got {production.shape}.",
            field="production_mw",
        )
    bad = np.isinf(production) | (production < 0)
    if np.any(bad):
        t, z, k = (int(i) for i in np.argwhere(bad)[0])
        raise ValidationError(
            f"production_mw must be finite and >= 0 (NaN for unreported); step {t}, zone {z}, "
            f"type {PRODUCTION_TYPES[k]!r} is {production[t, z, k]}.",
            field="production_mw",
        )
    return production


def _has_data(
    has_data: ArrayLike | None, reported: NDArray[np.bool_], n_steps: int, n_zones: int
) -> NDArray[np.bool_]:
    if has_data is None:
        return np.any(reported, axis=2)
    mask = np.asarray(has_data, dtype=bool)
    try:
        return np.broadcast_to(mask, (n_steps, n_zones)).copy()
    except ValueError:
        raise ValidationError(
            f"has_data must have shape (Z,) or (T, Z), got {mask.shape}.", field="has_data"
        ) from None


def _fallback(fallback_mix_frac: ArrayLike | None, n_zones: int) -> NDArray[np.float64]:
    n_types = len(PRODUCTION_TYPES)
    if fallback_mix_frac is None:
        mix = np.zeros(n_types)
        mix[type_index("unknown")] = 1.0
    else:
        mix = np.asarray(fallback_mix_frac, dtype=np.float64)
    try:
        mix = np.broadcast_to(mix, (n_zones, n_types)).copy()
    except ValueError:
        raise ValidationError(
            f"fallback_mix_frac must have shape (K,) or (Z, K), got {mix.shape}.",
            field="fallback_mix_frac",
        ) from None
    total = mix.sum(axis=1, keepdims=True)
    if not np.all(np.isfinite(mix)) or np.any(mix < 0) or np.any(total <= 0):
        raise ValidationError(
            "fallback_mix_frac must be finite, >= 0 and not all zero.", field="fallback_mix_frac"
        )
    return mix / total


def _factors(value: ArrayLike, n_steps: int, n_zones: int, name: str) -> NDArray[np.float64]:
    factors = np.asarray(value, dtype=np.float64)
    n_types = len(PRODUCTION_TYPES)
    if factors.ndim < 3:
        try:
            factors = np.broadcast_to(factors, (1, n_zones, n_types))
        except ValueError:
            factors = factors.reshape((1, *factors.shape))  # reported below
    if factors.shape not in ((1, n_zones, n_types), (n_steps, n_zones, n_types)):
        raise ValidationError(
            f"Emission factors {name!r} must have shape (K,), (Z, K) or (T, Z, K), "
            f"got {np.shape(value)}.",
            field="factors_g_per_kwh",
        )
    if not np.all(np.isfinite(factors)) or np.any(factors < 0):
        raise ValidationError(
            f"Emission factors {name!r} must be finite and >= 0.", field="factors_g_per_kwh"
        )
    return factors


def _check_balance(
    consumption_mw: NDArray[np.float64], data: NDArray[np.bool_], tolerance_mw: float
) -> None:
    short = data & (consumption_mw < -tolerance_mw)
    if np.any(short):
        t, z = (int(i) for i in np.argwhere(short)[0])
        raise ValidationError(
            f"Zone {z} exports more than it produces and imports at step {t} "
            f"(by {-consumption_mw[t, z]:.6g} MW).",
            field="exchange_mw",
        )

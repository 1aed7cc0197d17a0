"""Firm and available capacities, fault-level headroom and the limiting factor.

All functions work on arrays over many substations at once: shape (n,) per
substation, (n, s) per substation and rating season (``RATING_SEASONS``: summer,
winter), (m, s) per transformer with an owner index of shape (m,). Capacities are in
MVA, currents in kA, voltages in kV. NaN means "not known" and propagates: a figure
that cannot be computed is omitted, not invented. Results are not clipped at zero:
a negative available capacity says by how much a substation is over-committed.

The formulas, in words (q = ``quoted_weight_frac``, the share of quoted capacity
expected to be accepted):

- demand firm capacity (N-1): the sum of the transformers' step-down ratings minus
  the largest one, i.e. what is left when the largest unit is out; a substation with
  one transformer counts its rating as firm unless ``single_unit_is_firm=False``
  (secondary substations are not built for N-1);
- demand headroom = firm - peak demand - contracted - q * quoted, per season;
- reverse firm capacity: the same N-1 rule over the step-up (reverse) ratings; a
  transformer without a reverse rating has no reverse capability (0 MVA);
- generation firm capacity = reverse firm + minimum demand + connected generation:
  what the substation can take at minimum load (minimum demand is measured net of
  the connected generation, so that generation is added back);
- generation headroom = generation firm - connected - contracted - q * quoted
  (which equals reverse firm + minimum demand - contracted - q * quoted);
- reverse power flow available = reverse firm - the reverse flow expected at
  minimum demand once contracted and quoted generation connect;
- fault-level headroom: the switchgear's limit (breaking and short-time currents,
  making current / peak factor) minus the prospective fault current, turned into
  MVA at the busbar voltage;
- the limiting factor is whichever of the thermal, voltage and fault-level
  headrooms is smallest (thermal wins ties; voltage and fault level count only
  where assessed, the thermal headroom is always needed).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

RATING_SEASONS = ("Summer", "Winter")
LIMITING_FACTORS = ("Thermal", "Voltage", "FaultLevel")
UNKNOWN_FACTOR = -1
_SQRT3 = float(np.sqrt(3.0))

Array = NDArray[np.float64]


def firm_capacity_mva(
    rating_mva: ArrayLike, owner: ArrayLike, n_owners: int, *, single_unit_is_firm: bool = True
) -> Array:
    """N-1 firm capacity of each owner (substation) from its transformers' ratings.

    Parameters
    ----------
    rating_mva : array_like, shape (m, s)
        Rating of each transformer per season; NaN if unknown. [MVA]
    owner : array_like of int, shape (m,)
        Position of each transformer's substation.
    n_owners : int
        Number of substations.
    single_unit_is_firm : bool
        Whether a lone transformer's rating counts as firm (else 0).

    Returns
    -------
    ndarray, shape (n_owners, s)
        Total minus the largest unit; NaN for substations without transformers or
        with a transformer of unknown rating. [MVA]
    """
    ratings = np.asarray(rating_mva, dtype=np.float64)
    if ratings.ndim == 1:  # one season
        ratings = ratings[:, None]
    owners = np.asarray(owner, dtype=np.intp)
    shape = (n_owners, ratings.shape[1])
    total = np.zeros(shape)
    np.add.at(total, owners, ratings)
    largest = np.full(shape, -np.inf)
    np.maximum.at(largest, owners, ratings)  # NaN propagates: one unknown unit, unknown firm
    count = np.bincount(owners, minlength=n_owners)[:, None]
    firm = total - np.where(count >= 2, largest, 0.0)
    if not single_unit_is_firm:
        firm = np.where(count == 1, 0.0 * total, firm)  # 0 * NaN keeps unknowns unknown
    return np.where(count == 0, np.nan, firm)


def demand_headroom_mva(
    firm_mva: ArrayLike,
    peak_mva: ArrayLike,
    contracted_mva: ArrayLike,
    quoted_mva: ArrayLike,
    *,
    quoted_weight_frac: float = 1.0,
) -> Array:
    """Thermal headroom for new demand: firm - peak - contracted - q * quoted.

    ``firm_mva`` and ``peak_mva`` have shape (n, s) (or broadcast to it), the committed
    capacities shape (n,). [MVA]
    """
    committed = _committed(contracted_mva, quoted_mva, quoted_weight_frac)
    return np.asarray(firm_mva, dtype=np.float64) - np.asarray(peak_mva) - committed


def generation_firm_capacity_mva(
    reverse_firm_mva: ArrayLike, minimum_mva: ArrayLike, connected_mva: ArrayLike
) -> Array:
    """Generation the substation can take at minimum load: reverse firm + minimum + connected.

    ``reverse_firm_mva`` and ``minimum_mva`` have shape (n, s), ``connected_mva`` (n,). [MVA]
    """
    connected = np.asarray(connected_mva, dtype=np.float64)[:, None]
    return np.asarray(reverse_firm_mva, dtype=np.float64) + np.asarray(minimum_mva) + connected


def generation_headroom_mva(
    firm_mva: ArrayLike,
    connected_mva: ArrayLike,
    contracted_mva: ArrayLike,
    quoted_mva: ArrayLike,
    *,
    quoted_weight_frac: float = 1.0,
) -> Array:
    """Thermal headroom for new generation: firm - connected - contracted - q * quoted. [MVA]"""
    committed = _committed(contracted_mva, quoted_mva, quoted_weight_frac)
    connected = np.asarray(connected_mva, dtype=np.float64)[:, None]
    return np.asarray(firm_mva, dtype=np.float64) - connected - committed


def reverse_power_flow_available_mva(
    reverse_firm_mva: ArrayLike,
    minimum_mva: ArrayLike,
    contracted_mva: ArrayLike,
    quoted_mva: ArrayLike,
    *,
    quoted_weight_frac: float = 1.0,
) -> Array:
    """Reverse capacity left once contracted and quoted generation run at minimum demand.

    The expected minimum is ``minimum - contracted - q * quoted``; whatever of it is
    negative flows upwards through the transformers. [MVA]
    """
    committed = _committed(contracted_mva, quoted_mva, quoted_weight_frac)
    expected_minimum = np.asarray(minimum_mva, dtype=np.float64) - committed
    return np.asarray(reverse_firm_mva, dtype=np.float64) - np.maximum(-expected_minimum, 0.0)


def breaker_headroom_ka(
    breaking_ka: ArrayLike,
    making_ka: ArrayLike,
    short_circuit_ka: ArrayLike,
    fault_current_ka: ArrayLike,
    *,
    peak_factor: float = 2.5,
) -> Array:
    """Switchgear headroom above the prospective fault current [kA rms].

    The limit is the smallest known of the breaking capacity, the short-time
    (short-circuit) current and the making capacity divided by ``peak_factor``
    (the peak-to-rms ratio of the first fault cycle: 2.5 at 50 Hz in IEC 62271-100).
    NaN where no limit or no fault current is known.
    """
    making_as_rms = np.asarray(making_ka, dtype=np.float64) / peak_factor
    limit = np.fmin(
        np.fmin(np.asarray(breaking_ka, dtype=np.float64), short_circuit_ka), making_as_rms
    )
    return limit - np.asarray(fault_current_ka, dtype=np.float64)


def fault_level_headroom_mva(
    headroom_ka: ArrayLike, voltage_kv: ArrayLike, *, fault_mva_per_mva: float = 1.0
) -> Array:
    """Fault-level headroom as connectable capacity: sqrt(3) V I / contribution.

    Parameters
    ----------
    headroom_ka : array_like
        Switchgear headroom. [kA]
    voltage_kv : array_like
        Busbar voltage where connections are made. [kV]
    fault_mva_per_mva : float
        Fault in-feed per MVA connected; 1 expresses the headroom in fault MVA.
    """
    voltage = np.asarray(voltage_kv, dtype=np.float64)
    return _SQRT3 * voltage * np.asarray(headroom_ka, dtype=np.float64) / fault_mva_per_mva


def limiting_headroom(
    thermal_mva: ArrayLike,
    voltage_mva: ArrayLike | None = None,
    fault_level_mva: ArrayLike | None = None,
) -> tuple[Array, NDArray[np.int8]]:
    """The smallest headroom and its limiting factor, per substation.

    Returns
    -------
    (available_mva, factor)
        ``factor`` indexes ``LIMITING_FACTORS`` (0 thermal, 1 voltage, 2 fault level);
        ``UNKNOWN_FACTOR`` and NaN where the thermal headroom is unknown.
    """
    thermal = np.asarray(thermal_mva, dtype=np.float64)
    candidates = np.stack(
        [
            thermal,
            _or_nan(voltage_mva, thermal.shape),
            _or_nan(fault_level_mva, thermal.shape),
        ]
    )
    filled = np.where(np.isnan(candidates), np.inf, candidates)
    factor = np.argmin(filled, axis=0).astype(np.int8)  # first minimum: thermal wins ties
    available = np.take_along_axis(filled, factor[None, :].astype(np.intp), axis=0)[0]
    unknown = np.isnan(thermal)
    return np.where(unknown, np.nan, available), np.where(unknown, UNKNOWN_FACTOR, factor).astype(
        np.int8
    )


def worst_season(values: ArrayLike) -> Array:
    """The smallest value over the seasons (axis 1); NaN if any season is unknown."""
    return np.min(np.asarray(values, dtype=np.float64), axis=1)


def _committed(contracted_mva: ArrayLike, quoted_mva: ArrayLike, weight: float) -> Array:
    contracted = np.asarray(contracted_mva, dtype=np.float64)
    return (contracted + weight * np.asarray(quoted_mva, dtype=np.float64))[:, None]


def _or_nan(values: ArrayLike | None, shape: tuple[int, ...]) -> Array:
    if values is None:
        return np.full(shape, np.nan)
    return np.broadcast_to(np.asarray(values, dtype=np.float64), shape)

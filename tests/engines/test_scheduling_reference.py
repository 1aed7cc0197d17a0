"""An independent reference optimum for the scheduling tests, and its own sanity checks.

The reference is written differently from the engine on purpose: no SoC variables
(the SoC is an affine function of the powers through a dense lower-triangular
matrix), dense constraint matrices, and `scipy.optimize.milp`. Other test modules
import `reference_schedule` from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

INF = np.inf


@dataclass
class RefStorage:
    """A storage device for the reference (arrays of length n, SoC limits at step ends)."""

    s0: float
    soc_min: np.ndarray
    soc_max: np.ndarray
    cmax: np.ndarray
    dmax: np.ndarray
    eta_c: np.ndarray
    eta_d: np.ndarray
    eta_s: np.ndarray
    gain: np.ndarray
    targets: np.ndarray
    exclusive: bool = False


def ref_storage(n: int, s0: float, **kw: float | np.ndarray | bool) -> RefStorage:
    """RefStorage with scalars broadcast and lossless defaults."""
    defaults: dict = dict(soc_min=0.0, soc_max=INF, cmax=INF, dmax=INF, eta_c=1.0, eta_d=1.0,
                          eta_s=1.0, gain=0.0, targets=np.nan)
    defaults.update(kw)
    exclusive = bool(defaults.pop("exclusive", False))
    arrays = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy() for k, v in defaults.items()}
    return RefStorage(s0=s0, exclusive=exclusive, **arrays)


@dataclass
class RefResult:
    """Objective and signed powers of the reference optimum."""

    objective: float
    power: np.ndarray  # (n_storage + n_pv, n)
    soc: list[np.ndarray] = field(default_factory=list)  # (n + 1,) each
    site: np.ndarray | None = None


class _Vars:
    def __init__(self) -> None:
        self.n = 0
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.cost: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []

    def add(self, size: int, lb=0.0, ub=INF, cost=0.0, integer=False) -> np.ndarray:
        self.lb.append(np.broadcast_to(np.asarray(lb, float), (size,)))
        self.ub.append(np.broadcast_to(np.asarray(ub, float), (size,)))
        self.cost.append(np.broadcast_to(np.asarray(cost, float), (size,)))
        self.integer.append(np.full(size, int(integer)))
        idx = np.arange(self.n, self.n + size)
        self.n += size
        return idx


def _soc_affine(st: RefStorage, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """SoC at step ends as ``a + B @ (eta_c c - d / eta_d + gain) * dt``: returns a, B."""
    n = st.eta_s.size
    a = np.empty(n)
    level = st.s0
    for t in range(n):
        level = st.eta_s[t] * level
        a[t] = level
    b = np.zeros((n, n))
    for t in range(n):
        factor = 1.0
        for k in range(t, -1, -1):
            b[t, k] = factor
            factor *= st.eta_s[k]
    return a, b


def reference_schedule(
    storages: list[RefStorage],
    price_c: np.ndarray,
    dt: float,
    *,
    price_p: np.ndarray | None = None,
    pv: list[np.ndarray] | None = None,
    inflexible: np.ndarray | float = 0.0,
    site_cons: float = INF,
    site_prod: float = INF,
    soft_site_cons: float | None = None,
    soft_price: float = 0.0,
    peak_kw: float = 0.0,
    peak_price: float = 0.0,
    exclusive_site: bool = False,
) -> RefResult:
    """Cost-optimal joint schedule, built and solved independently of the engine."""
    n = price_c.size
    price_p = price_c if price_p is None else price_p
    pv = pv or []
    inflexible = np.broadcast_to(np.asarray(inflexible, float), (n,))
    v = _Vars()
    charge, discharge, binaries = [], [], []
    for st in storages:
        charge.append(v.add(n, ub=st.cmax))
        discharge.append(v.add(n, ub=st.dmax))
        binaries.append(v.add(n, ub=1, integer=True) if st.exclusive else None)
    produce = [v.add(n, ub=avail) for avail in pv]
    cons_ub = site_cons if soft_site_cons is None else min(soft_site_cons, site_cons)
    gp = v.add(n, ub=cons_ub, cost=price_c * dt)
    gm = v.add(n, ub=site_prod, cost=-price_p * dt)
    bp = bmax = None
    if soft_site_cons is not None:
        bp = v.add(n, ub=site_cons - cons_ub, cost=price_c * dt + soft_price * dt)
        bmax = v.add(1, cost=soft_price)
    peak = v.add(1, cost=peak_price) if peak_price > 0 else None
    delta = v.add(n, ub=1, integer=True) if exclusive_site else None

    rows, lo, hi = [], [], []

    def row(coeffs: dict[int, float], low: float, high: float) -> None:
        r = np.zeros(v.n)
        for j, c in coeffs.items():
            r[j] += c
        rows.append(r)
        lo.append(low)
        hi.append(high)

    for t in range(n):
        coeffs: dict[int, float] = {gp[t]: -1.0, gm[t]: 1.0}
        if bp is not None:
            coeffs[bp[t]] = -1.0
        for c, d in zip(charge, discharge, strict=True):
            coeffs[c[t]] = coeffs.get(c[t], 0) + 1.0
            coeffs[d[t]] = coeffs.get(d[t], 0) - 1.0
        for q in produce:
            coeffs[q[t]] = -1.0
        row(coeffs, -inflexible[t], -inflexible[t])
        if peak is not None:
            pk = {gp[t]: 1.0, peak[0]: -1.0}
            if bp is not None:
                pk[bp[t]] = 1.0
            row(pk, -INF, peak_kw)
        if bp is not None:
            row({bp[t]: 1.0, bmax[0]: -1.0}, -INF, 0.0)
        if delta is not None:
            big = 1e4
            row({gp[t]: 1.0, delta[t]: -big}, -INF, 0.0)
            row({gm[t]: 1.0, delta[t]: big}, -INF, big)
    for st, c, d, z in zip(storages, charge, discharge, binaries, strict=True):
        a, b = _soc_affine(st, dt)
        offset = a + b @ (st.gain * dt)
        for t in range(n):
            coeffs = {}
            for k in range(t + 1):
                if b[t, k]:
                    coeffs[c[k]] = b[t, k] * dt * st.eta_c[k]
                    coeffs[d[k]] = -b[t, k] * dt / st.eta_d[k]
            low, high = st.soc_min[t] - offset[t], st.soc_max[t] - offset[t]
            if not np.isnan(st.targets[t]):
                low = high = st.targets[t] - offset[t]
            row(coeffs, low, high)
        if z is not None:
            for t in range(n):
                row({c[t]: 1.0, z[t]: -st.cmax[t]}, -INF, 0.0)
                row({d[t]: 1.0, z[t]: st.dmax[t]}, -INF, st.dmax[t])
    res = milp(
        c=np.concatenate(v.cost),
        integrality=np.concatenate(v.integer),
        bounds=Bounds(np.concatenate(v.lb), np.concatenate(v.ub)),
        constraints=LinearConstraint(np.array(rows), np.array(lo), np.array(hi)),
        options={"mip_rel_gap": 1e-9},
    )
    assert res.status == 0, res.message
    x = res.x
    powers = [x[c] - x[d] for c, d in zip(charge, discharge, strict=True)] + [-x[q] for q in produce]
    socs = []
    for st, c, d in zip(storages, charge, discharge, strict=True):
        a, b = _soc_affine(st, dt)
        socs.append(np.concatenate([[st.s0], a + b @ ((st.eta_c * x[c] - x[d] / st.eta_d + st.gain) * dt)]))
    site = inflexible + (np.sum(powers, axis=0) if powers else 0.0)
    return RefResult(float(res.fun), np.array(powers).reshape(len(powers), n), socs, site)


def test_reference_buys_at_the_cheap_step_and_sells_at_the_dear_one() -> None:
    # 1 kWh lossless storage, empty, prices 1 then 3: charge 1 kWh, sell it: cost 1 - 3.
    st = ref_storage(2, 0.0, soc_max=1.0, cmax=1.0, dmax=1.0)
    ref = reference_schedule([st], np.array([1.0, 3.0]), 1.0)
    assert ref.objective == np.float64(-2.0) or abs(ref.objective + 2.0) < 1e-9
    np.testing.assert_allclose(ref.power, [[1.0, -1.0]], atol=1e-9)


def test_reference_soc_follows_efficiency_and_standing_loss() -> None:
    # Target 0.45 kWh at step 2 with eta_c 0.9 and 50 % standing loss per step:
    # charging x in step 0 gives 0.9 x * 0.5 at the end of step 1 -> x = 1 kWh for 1.0,
    # cheaper than 0.5 kWh in step 1 for 1.25.
    st = ref_storage(2, 0.0, cmax=5.0, dmax=0.0, eta_c=0.9, eta_s=np.array([1.0, 0.5]),
                     targets=np.array([np.nan, 0.45]))
    ref = reference_schedule([st], np.array([1.0, 2.5]), 1.0)
    np.testing.assert_allclose(ref.power, [[1.0, 0.0]], atol=1e-9)
    np.testing.assert_allclose(ref.soc[0], [0.0, 0.9, 0.45], atol=1e-9)

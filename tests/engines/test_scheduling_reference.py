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
    defaults: dict = dict(
        soc_min=0.0,
        soc_max=INF,
        cmax=INF,
        dmax=INF,
        eta_c=1.0,
        eta_d=1.0,
        eta_s=1.0,
        gain=0.0,
        targets=np.nan,
    )
    defaults.update(kw)
    exclusive = bool(defaults.pop("exclusive", False))
    arrays = {
        k: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy() for k, v in defaults.items()
    }
    return RefStorage(s0=s0, exclusive=exclusive, **arrays)


@dataclass
class RefResult:
    """Objective and signed powers of the reference optimum."""

    objective: float
    power: np.ndarray  # (n_storage + n_pv, n)
    soc: list[np.ndarray] = field(default_factory=list)  # (n + 1,) each
    site: np.ndarray | None = None


class _Milp:
    """Variables and dense constraint rows, added one by one (clarity over speed)."""

    def __init__(self) -> None:
        self.n = 0
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.cost: list[np.ndarray] = []
        self.integer: list[np.ndarray] = []
        self.rows: list[dict[int, float]] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, size: int, lb=0.0, ub=INF, cost=0.0, integer=False) -> np.ndarray:
        self.lb.append(np.broadcast_to(np.asarray(lb, float), (size,)))
        self.ub.append(np.broadcast_to(np.asarray(ub, float), (size,)))
        self.cost.append(np.broadcast_to(np.asarray(cost, float), (size,)))
        self.integer.append(np.full(size, int(integer)))
        idx = np.arange(self.n, self.n + size)
        self.n += size
        return idx

    def row(self, coeffs: dict[int, float], low: float, high: float) -> None:
        self.rows.append(coeffs)
        self.lo.append(low)
        self.hi.append(high)

    def solve(self) -> tuple[np.ndarray, float]:
        a = np.zeros((len(self.rows), self.n))
        for i, coeffs in enumerate(self.rows):
            for j, c in coeffs.items():
                a[i, j] += c
        res = milp(
            c=np.concatenate(self.cost),
            integrality=np.concatenate(self.integer),
            bounds=Bounds(np.concatenate(self.lb), np.concatenate(self.ub)),
            constraints=LinearConstraint(a, np.array(self.lo), np.array(self.hi)),
            options={"mip_rel_gap": 1e-9},
        )
        assert res.status == 0, res.message
        return res.x, float(res.fun)


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


@dataclass
class _StorageVars:
    charge: np.ndarray
    discharge: np.ndarray


def _add_storage(m: _Milp, st: RefStorage, dt: float) -> _StorageVars:
    """Power variables and SoC rows (SoC as an affine function of the powers)."""
    n = st.eta_s.size
    c, d = m.add(n, ub=st.cmax), m.add(n, ub=st.dmax)
    a, b = _soc_affine(st, dt)
    offset = a + b @ (st.gain * dt)
    for t in range(n):
        coeffs = {}
        for k in range(t + 1):
            coeffs[c[k]] = b[t, k] * dt * st.eta_c[k]
            coeffs[d[k]] = -b[t, k] * dt / st.eta_d[k]
        low, high = st.soc_min[t] - offset[t], st.soc_max[t] - offset[t]
        if not np.isnan(st.targets[t]):
            low = high = st.targets[t] - offset[t]
        m.row(coeffs, low, high)
    if st.exclusive:
        z = m.add(n, ub=1, integer=True)
        for t in range(n):
            m.row({c[t]: 1.0, z[t]: -st.cmax[t]}, -INF, 0.0)
            m.row({d[t]: 1.0, z[t]: st.dmax[t]}, -INF, st.dmax[t])
    return _StorageVars(c, d)


def _add_site(
    m: _Milp,
    power_terms: list[tuple[np.ndarray, float]],
    inflexible: np.ndarray,
    price_c: np.ndarray,
    price_p: np.ndarray,
    dt: float,
    opts: dict,
) -> None:
    """Import/export, the balance per step, and the optional site features."""
    n = inflexible.size
    soft = opts["soft_site_cons"]
    cons_ub = opts["site_cons"] if soft is None else min(soft, opts["site_cons"])
    gp = m.add(n, ub=cons_ub, cost=price_c * dt)
    gm = m.add(n, ub=opts["site_prod"], cost=-price_p * dt)
    imports = [gp]
    if soft is not None:
        bp = m.add(n, ub=opts["site_cons"] - cons_ub, cost=(price_c + opts["soft_price"]) * dt)
        bmax = m.add(1, cost=opts["soft_price"])
        imports.append(bp)
        for t in range(n):
            m.row({bp[t]: 1.0, bmax[0]: -1.0}, -INF, 0.0)
    for t in range(n):
        coeffs = {gm[t]: 1.0, **{g[t]: -1.0 for g in imports}}
        for cols, sign in power_terms:
            coeffs[cols[t]] = coeffs.get(cols[t], 0.0) + sign
        m.row(coeffs, -inflexible[t], -inflexible[t])
    if opts["peak_price"] > 0:
        peak = m.add(1, cost=opts["peak_price"])
        for t in range(n):
            m.row({peak[0]: -1.0, **{g[t]: 1.0 for g in imports}}, -INF, opts["peak_kw"])
    if opts["exclusive_site"]:
        big, delta = 1e4, m.add(n, ub=1, integer=True)
        for t in range(n):
            m.row({delta[t]: -big, **{g[t]: 1.0 for g in imports}}, -INF, 0.0)
            m.row({gm[t]: 1.0, delta[t]: big}, -INF, big)


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
    inflexible = np.broadcast_to(np.asarray(inflexible, float), (n,))
    m = _Milp()
    svars = [_add_storage(m, st, dt) for st in storages]
    produce = [m.add(n, ub=avail) for avail in (pv or [])]
    terms = [(v.charge, 1.0) for v in svars] + [(v.discharge, -1.0) for v in svars]
    opts = dict(
        site_cons=site_cons,
        site_prod=site_prod,
        soft_site_cons=soft_site_cons,
        soft_price=soft_price,
        peak_kw=peak_kw,
        peak_price=peak_price,
        exclusive_site=exclusive_site,
    )
    _add_site(
        m,
        terms + [(q, -1.0) for q in produce],
        inflexible,
        price_c,
        price_c if price_p is None else price_p,
        dt,
        opts,
    )
    x, objective = m.solve()
    powers = [x[v.charge] - x[v.discharge] for v in svars] + [-x[q] for q in produce]
    socs = []
    for st, v in zip(storages, svars, strict=True):
        a, b = _soc_affine(st, dt)
        stored = st.eta_c * x[v.charge] - x[v.discharge] / st.eta_d + st.gain
        socs.append(np.concatenate([[st.s0], a + b @ (stored * dt)]))
    site = inflexible + (np.sum(powers, axis=0) if powers else 0.0)
    return RefResult(objective, np.array(powers).reshape(len(powers), n), socs, site)


def test_reference_buys_at_the_cheap_step_and_sells_at_the_dear_one() -> None:
    # 1 kWh lossless storage, empty, prices 1 then 3: charge 1 kWh, sell it: cost 1 - 3.
    st = ref_storage(2, 0.0, soc_max=1.0, cmax=1.0, dmax=1.0)
    ref = reference_schedule([st], np.array([1.0, 3.0]), 1.0)
    assert abs(ref.objective + 2.0) < 1e-9
    np.testing.assert_allclose(ref.power, [[1.0, -1.0]], atol=1e-9)


def test_reference_soc_follows_efficiency_and_standing_loss() -> None:
    # Target 0.45 kWh at step 2 with eta_c 0.9 and 50 % standing loss per step:
    # charging x in step 0 gives 0.9 x * 0.5 at the end of step 1 -> x = 1 kWh for 1.0,
    # cheaper than 0.5 kWh in step 1 for 1.25.
    st = ref_storage(
        2,
        0.0,
        cmax=5.0,
        dmax=0.0,
        eta_c=0.9,
        eta_s=np.array([1.0, 0.5]),
        targets=np.array([np.nan, 0.45]),
    )
    ref = reference_schedule([st], np.array([1.0, 2.5]), 1.0)
    np.testing.assert_allclose(ref.power, [[1.0, 0.0]], atol=1e-9)
    np.testing.assert_allclose(ref.soc[0], [0.0, 0.9, 0.45], atol=1e-9)

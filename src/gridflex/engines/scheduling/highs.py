"""The one call into HiGHS: pass the CSC model, solve, map the status to a word."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from .lp import FloatArray, LpModel

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "unbounded-or-infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time-limit",
}


@dataclass(frozen=True)
class HighsOutcome:
    """Status word and, when a solution exists, the column values."""

    status: str
    x: FloatArray | None
    objective: float


#: Distance from an integer below which a relaxed integer column counts as integral.
INTEGRALITY_TOL = 1e-9


def run_highs(
    model: LpModel, *, time_limit_s: float | None = None, mip_rel_gap: float = 1e-6
) -> HighsOutcome:
    """Solve with HiGHS: simplex for LPs; for MILPs the LP relaxation first.

    When the relaxation's optimal vertex is already integral it is the MILP's
    optimum (the relaxation bounds the MILP from below), which is common for
    process loads on prices alone and saves branch and bound, cuts and heuristics
    (about ten times faster on the ten-device benchmark). An infeasible relaxation
    also settles the MILP.

    Parameters
    ----------
    model : LpModel
        The assembled model.
    time_limit_s : float, optional
        Stop after this many seconds; a MILP keeps its best solution so far. [s]
    mip_rel_gap : float
        Relative optimality gap at which branch and bound stops. [frac]
    """
    if model.cost.size == 0:
        # Nothing to decide (e.g. only inflexible loads): HiGHS calls that an empty
        # model; feasible when every row admits zero.
        ok = bool(((model.row_lower <= 0) & (model.row_upper >= 0)).all())
        return HighsOutcome("optimal" if ok else "infeasible", np.zeros(0) if ok else None, 0.0)
    if not model.is_mip:
        return _solve(model, model.integrality, time_limit_s=time_limit_s)
    relaxed = _solve(model, np.zeros_like(model.integrality), time_limit_s=time_limit_s)
    if relaxed.status == "infeasible":
        return relaxed
    if relaxed.x is not None and relaxed.status == "optimal":
        ints = relaxed.x[model.integrality.astype(bool)]
        if bool((np.abs(ints - np.round(ints)) <= INTEGRALITY_TOL).all()):
            return relaxed
    return _solve(model, model.integrality, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)


def _solve(
    model: LpModel,
    integrality: np.ndarray,
    *,
    time_limit_s: float | None,
    mip_rel_gap: float = 1e-6,
) -> HighsOutcome:
    """One HiGHS run of the model with the given integrality."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if integrality.any():
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    else:
        # Our LPs are already tight (no redundant rows or fixed columns to strip);
        # presolve costs more time than it saves on them.
        h.setOptionValue("presolve", "off")
    a = model.matrix
    inf = highspy.kHighsInf
    h.passModel(
        model.cost.size,
        model.row_lower.size,
        a.nnz,
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        model.cost,
        np.clip(model.col_lower, -inf, inf),
        np.clip(model.col_upper, -inf, inf),
        np.clip(model.row_lower, -inf, inf),
        np.clip(model.row_upper, -inf, inf),
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data,
        integrality.astype(np.int32),
    )
    h.run()
    status = _STATUS.get(h.getModelStatus(), "error")
    info = h.getInfo()
    has_solution = status == "optimal" or (
        status == "time-limit" and info.primal_solution_status == 2  # feasible point found
    )
    if not has_solution:
        return HighsOutcome(status, None, float("nan"))
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    return HighsOutcome(status, x, float(info.objective_function_value))

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


def run_highs(
    model: LpModel, *, time_limit_s: float | None = None, mip_rel_gap: float = 1e-6
) -> HighsOutcome:
    """Solve with HiGHS (simplex for LPs, branch and bound for MILPs).

    Parameters
    ----------
    model : LpModel
        The assembled model.
    time_limit_s : float, optional
        Stop after this many seconds; a MILP keeps its best solution so far. [s]
    mip_rel_gap : float
        Relative optimality gap at which branch and bound stops. [frac]
    """
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if model.is_mip:
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
        model.integrality,
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

"""Exchanges between zones as a list of links, the form the flow tracer works on.

A link joins two zones; its ``net_flow_mw`` is positive when power flows from
``from_index`` to ``to_index`` and negative when it flows back, like the
carbon API's exchange keys ``"A->B"``. Real grids are sparse (a zone has a
handful of neighbours), so links are far smaller than a ``(T, Z, Z)`` matrix;
:func:`exchange_links` turns such a matrix into links.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gridflex.errors import ValidationError


@dataclass(frozen=True)
class ExchangeLinks:
    """Net power flows on the links between zones.

    Attributes
    ----------
    from_index, to_index : ndarray of int, shape (E,)
        The zones each link joins (indices on the ``Z`` axis); each unordered
        pair at most once, never a zone with itself.
    net_flow_mw : ndarray, shape (T, E)
        Mean power from ``from_index`` to ``to_index``; negative flows the other
        way. [MW]
    n_zones : int
        ``Z``.
    """

    from_index: NDArray[np.intp]
    to_index: NDArray[np.intp]
    net_flow_mw: NDArray[np.float64]
    n_zones: int

    def __post_init__(self) -> None:
        frm = np.asarray(self.from_index, dtype=np.intp).reshape(-1)
        to = np.asarray(self.to_index, dtype=np.intp).reshape(-1)
        flow = np.asarray(self.net_flow_mw, dtype=np.float64)
        object.__setattr__(self, "from_index", frm)
        object.__setattr__(self, "to_index", to)
        object.__setattr__(self, "net_flow_mw", flow)
        _check_links(frm, to, flow, self.n_zones)

    @property
    def n_steps(self) -> int:
        """``T``."""
        return int(self.net_flow_mw.shape[0])

    def import_export_totals_mw(
        self, start: int = 0, stop: int | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Total imports and exports of every zone in steps ``[start, stop)``.

        Returns
        -------
        import_mw, export_mw : ndarray, shape (T', Z)
            [MW]
        """
        flow = self.net_flow_mw[start:stop]
        forward = np.maximum(flow, 0.0)
        backward = np.maximum(-flow, 0.0)
        into_to = _incidence(self.to_index, self.n_zones)
        into_from = _incidence(self.from_index, self.n_zones)
        import_mw = forward @ into_to + backward @ into_from
        export_mw = forward @ into_from + backward @ into_to
        return import_mw, export_mw

    def flow_matrix_mw(self, start: int = 0, stop: int | None = None) -> NDArray[np.float64]:
        """Directed flows as a matrix: ``[t, i, j]`` is the power from i to j (>= 0).

        Returns
        -------
        ndarray, shape (T', Z, Z)
            [MW]
        """
        flow = self.net_flow_mw[start:stop]
        matrix = np.zeros((flow.shape[0], self.n_zones, self.n_zones))
        matrix[:, self.from_index, self.to_index] = np.maximum(flow, 0.0)
        matrix[:, self.to_index, self.from_index] = np.maximum(-flow, 0.0)
        return matrix


def exchange_links(exchange_mw: ArrayLike, *, atol_mw: float = 1e-6) -> ExchangeLinks:
    """Links from a matrix of exchanges.

    Parameters
    ----------
    exchange_mw : array_like, shape (T, Z, Z)
        ``[t, i, j]`` is power flowing from zone i to zone j. [MW] Two forms are
        accepted: *net and antisymmetric* (``[t, j, i] == -[t, i, j]``, used as
        soon as any entry is negative), or *one-directional* (all entries >= 0;
        a flow reported both ways on a pair is netted).
    atol_mw : float
        Tolerance of the antisymmetry check. [MW]

    Returns
    -------
    ExchangeLinks
        One link per zone pair with a non-zero flow at some step.

    Raises
    ------
    ValidationError
        On a wrong shape, a non-finite entry, or a matrix with negative entries
        that is not antisymmetric.
    """
    x = np.asarray(exchange_mw, dtype=np.float64)
    if x.ndim != 3 or x.shape[1] != x.shape[2]:
        raise ValidationError(
            f"exchange_mw must have shape (T, Z, Z), got {x.shape}.", field="exchange_mw"
        )
    _check_finite(x, "exchange_mw")
    n_zones = x.shape[1]
    # Find the linked pairs in one pass, then gather only their columns: a
    # year of a 50-zone matrix is 175 MB, its links a few hundred kB.
    nonzero = np.any(x != 0.0, axis=0)
    linked = np.triu(nonzero | nonzero.T, k=1)
    upper_i, upper_j = np.nonzero(linked)
    flat = x.reshape(x.shape[0], -1)
    ij = flat[:, upper_i * n_zones + upper_j]
    ji = flat[:, upper_j * n_zones + upper_i]
    diagonal = np.diagonal(x, axis1=1, axis2=2)
    if np.any(ij < 0) or np.any(ji < 0) or np.any(diagonal < 0):
        asymmetry = np.abs(ij + ji)
        if np.any(asymmetry > atol_mw) or np.any(np.abs(diagonal) > atol_mw):
            t, e = np.unravel_index(int(np.argmax(asymmetry)), asymmetry.shape)
            raise ValidationError(
                "exchange_mw has negative entries, so it must be antisymmetric, but at step "
                f"{t} the flows between zones {upper_i[e]} and {upper_j[e]} are {ij[t, e]} and "
                f"{ji[t, e]}.",
                field="exchange_mw",
            )
        net = 0.5 * (ij - ji)  # averages away tiny asymmetries within the tolerance
    else:
        net = ij - ji
    used = np.any(net != 0.0, axis=0)
    return ExchangeLinks(upper_i[used], upper_j[used], np.ascontiguousarray(net[:, used]), n_zones)


def _incidence(index: NDArray[np.intp], n_zones: int) -> NDArray[np.float64]:
    matrix = np.zeros((index.size, n_zones))
    matrix[np.arange(index.size), index] = 1.0
    return matrix


def _check_links(
    frm: NDArray[np.intp], to: NDArray[np.intp], flow: NDArray[np.float64], n_zones: int
) -> None:
    if frm.shape != to.shape:
        raise ValidationError(
            "from_index and to_index must have the same length.", field="to_index"
        )
    if flow.ndim != 2 or flow.shape[1] != frm.size:
        raise ValidationError(
            f"net_flow_mw must have shape (T, {frm.size}), got {flow.shape}.", field="net_flow_mw"
        )
    if frm.size and (min(frm.min(), to.min()) < 0 or max(frm.max(), to.max()) >= n_zones):
        raise ValidationError(f"Link zone indices must lie in [0, {n_zones}).", field="from_index")
    if np.any(frm == to):
        raise ValidationError("A link must join two different zones.", field="to_index")
    pairs = np.sort(np.stack([frm, to], axis=1), axis=1)
    unique = np.unique(pairs, axis=0)
    if unique.shape[0] != pairs.shape[0]:
        raise ValidationError(
            "Each pair of zones may be linked once; give the net flow of the pair.",
            field="from_index",
        )
    _check_finite(flow, "net_flow_mw")


def _check_finite(values: NDArray[np.float64], field: str) -> None:
    bad = ~np.isfinite(values)
    if np.any(bad):
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValidationError(
            f"{field} must be finite (fill gaps before tracing); first bad entry at index {where}.",
            field=field,
        )

"""A minimal sparse LP/MILP builder: blocks of columns and rows, triplets in, CSC out.

Each call adds a whole block (one variable or constraint per step) from numpy
arrays, so assembling a model costs a handful of Python calls per device, never one
per step. The triplets are summed into one CSC matrix at the end, which is the
form HiGHS takes directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LpModel:
    """min c'x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper."""

    cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    matrix: sp.csc_matrix
    integrality: NDArray[np.int32]

    @property
    def is_mip(self) -> bool:
        """True when any column is integer."""
        return bool(self.integrality.any())


class LpBuilder:
    """Collects column and row blocks and coefficient triplets."""

    def __init__(self) -> None:
        self.num_col = 0
        self.num_row = 0
        self._cols: list[tuple[FloatArray, FloatArray, FloatArray, bool]] = []
        self._rows: list[tuple[FloatArray, FloatArray]] = []
        self._entries: list[tuple[IntArray, IntArray, FloatArray]] = []
        self._extra_cost: list[tuple[IntArray, FloatArray]] = []

    def add_cols(
        self,
        size: int,
        *,
        lower: ArrayLike = 0.0,
        upper: ArrayLike = math.inf,
        cost: ArrayLike = 0.0,
        integer: bool = False,
    ) -> IntArray:
        """Add ``size`` columns; returns their indices."""
        lo = np.broadcast_to(np.asarray(lower, dtype=np.float64), (size,))
        hi = np.broadcast_to(np.asarray(upper, dtype=np.float64), (size,))
        c = np.broadcast_to(np.asarray(cost, dtype=np.float64), (size,))
        self._cols.append((lo, hi, c, integer))
        idx = np.arange(self.num_col, self.num_col + size, dtype=np.int64)
        self.num_col += size
        return idx

    def add_rows(
        self, size: int, *, lower: ArrayLike = -math.inf, upper: ArrayLike = math.inf
    ) -> IntArray:
        """Add ``size`` rows with bounds; returns their indices."""
        lo = np.broadcast_to(np.asarray(lower, dtype=np.float64), (size,))
        hi = np.broadcast_to(np.asarray(upper, dtype=np.float64), (size,))
        self._rows.append((lo, hi))
        idx = np.arange(self.num_row, self.num_row + size, dtype=np.int64)
        self.num_row += size
        return idx

    def add_entries(self, rows: ArrayLike, cols: ArrayLike, values: ArrayLike) -> None:
        """Add coefficients; the three arguments broadcast against each other."""
        r, c, v = np.broadcast_arrays(
            np.asarray(rows, dtype=np.int64),
            np.asarray(cols, dtype=np.int64),
            np.asarray(values, dtype=np.float64),
        )
        self._entries.append((r.ravel(), c.ravel(), v.ravel()))

    def add_cost(self, cols: ArrayLike, values: ArrayLike) -> None:
        """Add to the cost of existing columns (repeated columns accumulate)."""
        c, v = np.broadcast_arrays(
            np.asarray(cols, dtype=np.int64), np.asarray(values, dtype=np.float64)
        )
        self._extra_cost.append((c.ravel(), v.ravel()))

    def build(self) -> LpModel:
        """Stack the blocks; duplicate (row, col) entries are summed."""

        def cat(parts: list[FloatArray]) -> FloatArray:
            return np.concatenate(parts) if parts else np.zeros(0)

        if self._entries:
            r, c, v = (np.concatenate(p) for p in zip(*self._entries, strict=True))
        else:
            r = c = np.zeros(0, dtype=np.int64)
            v = np.zeros(0)
        matrix = sp.csc_matrix((v, (r, c)), shape=(self.num_row, self.num_col))
        matrix.sum_duplicates()
        integrality = (
            np.concatenate(
                [np.full(len(col[0]), int(col[3]), dtype=np.int32) for col in self._cols]
            )
            if self._cols
            else np.zeros(0, dtype=np.int32)
        )
        cost = cat([col[2] for col in self._cols])
        for cols, values in self._extra_cost:
            np.add.at(cost, cols, values)
        return LpModel(
            cost=cost,
            col_lower=cat([col[0] for col in self._cols]),
            col_upper=cat([col[1] for col in self._cols]),
            row_lower=cat([row[0] for row in self._rows]),
            row_upper=cat([row[1] for row in self._rows]),
            matrix=matrix,
            integrality=integrality,
        )

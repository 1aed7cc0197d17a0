"""The dataset's numbers as arrays, for the vectorised capacity functions.

One pass over the records turns optional attributes into float arrays (NaN where
absent) and the ragged transformer/rating lists into flat arrays with an owner
index, so that the arithmetic in `capacity` never loops over substations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gridflex.engines.heatmap.model import Substation

Array = NDArray[np.float64]


def column(records: Sequence[Any], attr: str) -> Array:
    """``getattr(record, attr)`` for each record as floats, NaN where absent. [as the attr]"""
    return np.fromiter(
        (math.nan if (v := getattr(r, attr)) is None else v for r in records),
        dtype=np.float64,
        count=len(records),
    )


def lowest_voltage_kv(substations: Sequence[Substation]) -> Array:
    """The lowest of each substation's voltages: the busbar where customers connect. [kV]"""
    return np.fromiter(
        (min(s.voltages_kv) if s.voltages_kv else math.nan for s in substations),
        dtype=np.float64,
        count=len(substations),
    )


@dataclass(frozen=True)
class TransformerRatings:
    """Each transformer's ratings per season (columns: summer, winter) [MVA].

    ``forward_mva`` is the largest step-down rating (from the higher to the lower
    voltage; ratings without voltages are read as step-down, the usual publication);
    ``reverse_mva`` the largest step-up rating, 0 for a transformer that has
    step-down ratings only (no reverse capability, as the specification reads 0).
    A transformer without any rating has NaN in both. ``owner`` is the position of
    its substation.
    """

    forward_mva: Array
    reverse_mva: Array
    owner: NDArray[np.intp]


def transformer_ratings(substations: Sequence[Substation]) -> TransformerRatings:
    forward: list[tuple[float, float]] = []
    reverse: list[tuple[float, float]] = []
    owner: list[int] = []
    for i, substation in enumerate(substations):
        for transformer in substation.transformers or ():
            down, up = _directional_ratings(transformer.ratings or ())
            forward.append(down)
            reverse.append(up)
            owner.append(i)
    return TransformerRatings(
        forward_mva=np.array(forward, dtype=np.float64).reshape(-1, 2),
        reverse_mva=np.array(reverse, dtype=np.float64).reshape(-1, 2),
        owner=np.array(owner, dtype=np.intp),
    )


def _directional_ratings(ratings: Sequence[Any]) -> tuple[tuple[float, float], tuple[float, float]]:
    if not ratings:
        return (math.nan, math.nan), (math.nan, math.nan)
    down: list[tuple[float, float]] = []
    up: list[tuple[float, float]] = []
    for r in ratings:
        pair = (_num(r.summer_rating_mva), _num(r.winter_rating_mva))
        step_up = (
            r.from_voltage_kv is not None
            and r.to_voltage_kv is not None
            and r.from_voltage_kv < r.to_voltage_kv
        )
        (up if step_up else down).append(pair)
    return _largest(down, math.nan), _largest(up, 0.0)


def _largest(pairs: list[tuple[float, float]], empty: float) -> tuple[float, float]:
    if not pairs:
        return empty, empty
    # max() would skip a NaN depending on its position; an unknown rating is unknown.
    summer = [p[0] for p in pairs]
    winter = [p[1] for p in pairs]
    return _max_or_nan(summer), _max_or_nan(winter)


def _max_or_nan(values: list[float]) -> float:
    return math.nan if any(math.isnan(v) for v in values) else max(values)


def _num(value: float | None) -> float:
    return math.nan if value is None else float(value)

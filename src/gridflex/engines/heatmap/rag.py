"""Red/Amber/Green status from available capacity, by documented thresholds.

Default rule: Red where the available capacity is at or below 0 MVA; Amber where it
is above that but at most the larger of 1 MVA and 10 % of the firm capacity; Green
above. The specification asks each publisher to document its rule, so
`describe_rag` writes the rule in use as one sentence for the dataset's description.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gridflex.errors import ValidationError


@dataclass(frozen=True)
class RagThresholds:
    """Thresholds of the RAG status.

    Attributes
    ----------
    red_at_or_below_mva : float
        Red where available capacity <= this. [MVA]
    amber_up_to_mva : float
        Amber up to at least this much available capacity. [MVA]
    amber_up_to_firm_frac : float
        ... or up to this share of the firm capacity, if larger. [0-1]
    """

    red_at_or_below_mva: float = 0.0
    amber_up_to_mva: float = 1.0
    amber_up_to_firm_frac: float = 0.10

    def __post_init__(self) -> None:
        if self.amber_up_to_mva < self.red_at_or_below_mva:
            raise ValidationError(
                "The Amber bound must not lie below the Red bound.", field="amber_up_to_mva"
            )
        if not 0.0 <= self.amber_up_to_firm_frac <= 1.0:
            raise ValidationError(
                "The Amber share of firm capacity must lie in [0, 1].",
                field="amber_up_to_firm_frac",
            )


def rag(
    available_mva: ArrayLike,
    firm_mva: ArrayLike | None = None,
    *,
    thresholds: RagThresholds = RagThresholds(),
) -> NDArray[np.object_]:
    """RAG status of each available capacity.

    Parameters
    ----------
    available_mva : array_like, shape (n,)
        Available capacity. [MVA]
    firm_mva : array_like, shape (n,), optional
        Firm capacity for the relative Amber bound; where unknown (NaN) only the
        fixed bound applies. [MVA]

    Returns
    -------
    ndarray of object, shape (n,)
        ``"Red"``, ``"Amber"``, ``"Green"``, or ``None`` where the available capacity
        is unknown.
    """
    available = np.atleast_1d(np.asarray(available_mva, dtype=np.float64))
    firm = np.full(available.shape, np.nan) if firm_mva is None else np.asarray(firm_mva, float)
    amber_bound = np.fmax(thresholds.amber_up_to_mva, thresholds.amber_up_to_firm_frac * firm)
    status = np.where(
        available <= thresholds.red_at_or_below_mva,
        "Red",
        np.where(available <= amber_bound, "Amber", "Green"),
    ).astype(object)
    status[np.isnan(available)] = None
    return status


def describe_rag(thresholds: RagThresholds = RagThresholds()) -> str:
    """The RAG rule as one sentence, for a dataset's description."""
    t = thresholds
    return (
        f"RAG status: Red where the available capacity is at or below "
        f"{t.red_at_or_below_mva:g} MVA; Amber where it is above that and at most the larger "
        f"of {t.amber_up_to_mva:g} MVA and {100 * t.amber_up_to_firm_frac:g} % of the firm "
        f"capacity; Green above."
    )

"""The substation hierarchy GSP -> BSP -> Primary -> Secondary as index arrays.

A substation names the stations above it in its ``GSP``, ``BSP`` and ``Primary``
fields, by mRID or (where no mRID is published) by name. Its parent is the nearest
of those that exists: a Secondary's Primary, else its BSP, else its GSP; a Primary's
BSP, else its GSP (Scottish networks have no BSPs); a BSP's GSP. Parents are
resolved once into an integer array (-1 for none), so that capping by the parent is
a handful of vectorised passes, one per level, instead of a walk per substation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from gridflex.engines.heatmap.errors import Problem
from gridflex.engines.heatmap.model import Substation
from gridflex.engines.heatmap.parse import record_label
from gridflex.errors import ValidationError

_PARENT_FIELDS = {
    "Secondary": ("Primary", "BSP", "GSP"),
    "Primary": ("BSP", "GSP"),
    "BSP": ("GSP",),
    "GSP": (),
}
_ATTR = {"GSP": "gsp", "BSP": "bsp", "Primary": "primary"}


def substation_index(substations: Sequence[Substation]) -> dict[str, int]:
    """Identifier -> position: each mRID, and each name that no mRID already claims.

    An identifier shared by several substations maps to the first of them (the
    checks report the duplicate).
    """
    index: dict[str, int] = {}
    for i, s in enumerate(substations):
        if s.mrid:
            index.setdefault(s.mrid, i)
    for i, s in enumerate(substations):
        if s.name:
            index.setdefault(s.name, i)
    return index


def parent_index(substations: Sequence[Substation]) -> tuple[NDArray[np.intp], list[Problem]]:
    """The position of each substation's parent (-1 for none) and unresolved references.

    Returns
    -------
    (parents, problems)
        ``parents`` has shape (n,); ``problems`` names each reference to a substation
        that is not in the dataset, or to one of the wrong type.
    """
    index = substation_index(substations)
    parents = np.full(len(substations), -1, dtype=np.intp)
    problems = []
    for i, s in enumerate(substations):
        for key in _PARENT_FIELDS.get(s.type or "", ()):
            ref = getattr(s, _ATTR[key])
            if not ref:
                continue
            target = index.get(ref)
            label = record_label(f"Substations[{i}]", {"mRID": s.mrid, "name": s.name})
            if target is None:
                problems.append(
                    Problem(
                        label,
                        key,
                        f"no substation with mRID or name '{ref}'",
                        "unresolved-reference",
                    )
                )
            elif substations[target].type != key:
                problems.append(
                    Problem(
                        label,
                        key,
                        f"'{ref}' is a {substations[target].type}, not a {key}",
                        "wrong-parent-type",
                    )
                )
            elif parents[i] < 0:
                parents[i] = target
    return parents, problems


def depth(parents: NDArray[np.intp]) -> NDArray[np.intp]:
    """Levels below the root of each node (0 for roots); a cycle is a `ValidationError`."""
    n = parents.shape[0]
    levels = np.zeros(n, dtype=np.intp)
    ancestor = parents.copy()
    # Pointer chasing, all nodes at once: each pass climbs one level.
    for _ in range(n + 1):
        climbing = ancestor >= 0
        if not climbing.any():
            return levels
        levels[climbing] += 1
        ancestor[climbing] = parents[ancestor[climbing]]
    raise ValidationError("The substation hierarchy has a cycle.", field="Substations")


def cap_by_parent(
    values: NDArray[np.float64],
    parents: NDArray[np.intp],
    *,
    levels: NDArray[np.intp] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Each value limited to the smallest value above it, top down.

    An unknown (NaN) value neither caps nor is capped: it stays NaN, and the
    substations below it are still capped by the known values further up.

    Returns
    -------
    (capped, source)
        The capped values, and the position of the substation whose own value each
        one is (itself, or the ancestor that limits it), to carry that substation's
        limiting factor down with the value.
    """
    own = np.asarray(values, dtype=np.float64)
    unknown = np.isnan(own)
    limit = own.copy()  # the smallest known value on the path from the root (NaN if none)
    source = np.arange(own.shape[0], dtype=np.intp)
    levels = depth(parents) if levels is None else levels
    for level in range(1, int(levels.max(initial=0)) + 1):
        nodes = np.flatnonzero(levels == level)
        above, above_source = limit[parents[nodes]], source[parents[nodes]]
        # Take the parent's limit where it is smaller, or where this node knows nothing.
        take = (above < limit[nodes]) | (unknown[nodes] & ~np.isnan(above))
        limit[nodes[take]] = above[take]
        source[nodes[take]] = above_source[take]
    return np.where(unknown, np.nan, limit), source

"""What the heatmap engine reports: problems, normalisations and its one error class.

    gridflex.errors.ValidationError
    └── HeatmapDataError     a dataset that cannot be read; holds every Problem found

A `Problem` names the record (``Substations[3] (mRID 'abc')``, or a CSV row such as
``Demands.csv row 4 (substation 'abc')``), the field and its ``kind`` (one of
`gridflex.engines.heatmap.conformance.KINDS`: what a lenient import does with it). A
`Normalisation` records a value the importer accepted in a form the specification
does not use, and what it became, so that nothing is changed silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gridflex.errors import ValidationError

_MAX_LISTED = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one record, of a kind (see `conformance.KINDS`)."""

    record: str
    field: str
    message: str
    kind: str = "unreadable"

    @property
    def path(self) -> str:
        """``record.field`` (or the record alone when the problem concerns the whole record)."""
        return f"{self.record}.{self.field}" if self.field else self.record

    def __str__(self) -> str:
        where = f"{self.record}, field '{self.field}'" if self.field else self.record
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Normalisation:
    """A value accepted in a non-standard form: what was given, what it became and why."""

    record: str
    field: str
    original: Any
    value: Any
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.record}, field '{self.field}': {self.reason} "
            f"({_clip(repr(self.original))} -> {_clip(repr(self.value))})"
        )


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


class HeatmapDataError(ValidationError):
    """A heatmap dataset (or one of its CSV tables) that cannot be read.

    ``problems`` lists every problem found, not only the first; ``field`` is the path of
    the first one, for the API's error shape.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:_MAX_LISTED]]
        if len(self.problems) > _MAX_LISTED:
            lines.append(f"... and {len(self.problems) - _MAX_LISTED} more problems")
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the heatmap dataset: "
        first = self.problems[0].path if self.problems else None
        super().__init__(head + "; ".join(lines), field=first)

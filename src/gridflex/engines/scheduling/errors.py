"""Errors of the scheduling engine, both in the package-wide tree of `gridflex.errors`."""

from __future__ import annotations

from gridflex.errors import InfeasibleError


class InfeasibleScheduleError(InfeasibleError):
    """No schedule satisfies the hard constraints.

    ``field`` is the flex-model / flex-context field that conflicts (e.g.
    ``"soc-targets"``), ``device`` the name of the device it belongs to (None for
    the site) and ``step`` the first step where it shows (None if not tied to one).
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        device: str | None = None,
        step: int | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.device = device
        self.step = step

"""Errors of the forecasting engine, placed in the package-wide tree.

gridflex.errors.ValidationError
└── ForecastConfigError        a trigger field or input that cannot be used (names the field)
gridflex.errors.InsufficientDataError
└── InsufficientHistoryError   too little history or regressor data; says how much is needed
"""

from __future__ import annotations

from gridflex.errors import InsufficientDataError, ValidationError


class ForecastConfigError(ValidationError):
    """A forecasting option or input series that cannot be used; ``field`` names it."""


class InsufficientHistoryError(InsufficientDataError):
    """Too little data known at the belief time; the message says how much is needed and found."""

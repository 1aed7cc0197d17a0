"""Domain errors: one tree for the whole package, no HTTP in here.

The API maps each class to a status code in one table (`gridflex.api.errors`);
the CLI prints the message. Engines raise these instead of returning sentinels.

    GridflexError
    ├── ValidationError            bad input; names the offending field (-> 422)
    │   ├── UnitError              unit not convertible to the sensor's (-> 422)
    │   ├── ResolutionError        resolution incompatible (-> 422)
    │   └── TooLargeError          input past a configured size limit (-> 413)
    ├── NotFoundError              unknown entity (-> 404)
    ├── PermissionDeniedError      authenticated but not allowed (-> 403 INVALID_SENDER)
    ├── AuthenticationError        no/invalid/expired credentials (-> 401 UNAUTHORIZED)
    ├── ConflictError              would overwrite what must not change (-> 403/409)
    │   └── InvalidReplacementError    a different value for an existing belief (-> 403)
    ├── RateLimitError             too many requests in a window (-> 429 with Retry-After)
    ├── UnavailableError           a service we depend on (database, queue) is down (-> 503)
    ├── InsufficientDataError      too little data to compute (-> 400/422, message says how much)
    └── InfeasibleError            an optimisation problem has no solution (names the constraint)
"""

from __future__ import annotations


class GridflexError(Exception):
    """Base class of every error gridflex raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(GridflexError):
    """Input that cannot be accepted; ``field`` names where the problem is."""


class UnitError(ValidationError):
    """A unit that cannot be converted to the one required."""


class ResolutionError(ValidationError):
    """A time resolution that cannot be matched to the one required."""


class TooLargeError(ValidationError):
    """Input larger than a configured limit (a body, an inflated archive member...)."""


class NotFoundError(GridflexError):
    """An entity that does not exist (or that the caller may not know exists)."""


class PermissionDeniedError(GridflexError):
    """The caller is known but may not do this."""


class AuthenticationError(GridflexError):
    """The caller could not be authenticated."""


class ConflictError(GridflexError):
    """The request conflicts with stored state."""


class InvalidReplacementError(ConflictError):
    """A belief with the same event, belief time and source already holds another value."""


class InsufficientDataError(GridflexError):
    """Not enough data to compute the result; the message says how much is needed."""


class InfeasibleError(GridflexError):
    """An optimisation problem without a feasible solution; the message names the conflict."""


class RateLimitError(GridflexError):
    """Too many requests in a time window; ``retry_after_s`` says when to try again."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class UnavailableError(GridflexError):
    """A service gridflex depends on (the database, the job queue) cannot be reached now;
    ``retry_after_s`` says when trying again makes sense."""

    def __init__(self, message: str, *, retry_after_s: int = 5) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

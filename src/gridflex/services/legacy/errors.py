"""Refusals in the words of the v1 protocol: a USEF-style status string and an HTTP code.

``LegacyError`` is a ``GridflexError`` (so it is one more branch of the one error
tree); the v1_1 router answers it as ``{"type": "<Name>Response", "result":
"Rejected", "status": "<STATUS>", "message": "..."}``. Errors raised by the shared
services (belief store, units) are translated by the router, not here.
"""

from __future__ import annotations

from gridflex.errors import GridflexError

# The statuses this package raises, with the HTTP code each one answers with.
HTTP_CODES = {
    "INVALID_DOMAIN": 400,
    "INVALID_UNIT": 400,
    "INVALID_RESOLUTION": 400,
    "INVALID_HORIZON": 400,
    "INVALID_TIMEZONE": 400,
    "INVALID_PERIOD": 400,
    "INVALID_DATETIME": 400,
    "INVALID_MESSAGE_TYPE": 400,
    "INVALID_REQUEST": 400,
    "INVALID_ROLE": 400,
    "INVALID_SOURCE": 400,
    "REQUIRED_INFO_MISSING": 400,
    "PTUS_INCOMPLETE": 400,
    "POWER_VALUE_TOO_BIG": 400,
    "POWER_VALUE_TOO_SMALL": 400,
    "UNRECOGNIZED_CONNECTION_GROUP": 400,
    "UNRECOGNIZED_MARKET": 400,
    "UNRECOGNIZED_SENSOR": 400,
    "INVALID_SENDER": 403,
}


class LegacyError(GridflexError):
    """A v1 refusal: ``status`` is the protocol's status string, ``http_status`` its HTTP code."""

    def __init__(self, status: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.status = status
        self.http_status = HTTP_CODES.get(status, 400)

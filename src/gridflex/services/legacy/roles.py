"""The v1_1 service listing and who may use which service (USEF account roles, seed 003).

A user may call a service when their account holds one of the roles in its
``access`` list; admins may call every service (they may do everything). Posting
meter data is for meter data companies (MDC), as seed 003's listing says; the
other services are open to every USEF role.
"""

from __future__ import annotations

from typing import Any

from gridflex import permissions
from gridflex.services.legacy.errors import LegacyError
from gridflex.store.models import User

VERSION = "1.1"
USEF_ROLES = ("Aggregator", "Supplier", "MDC", "DSO", "Prosumer", "ESCo")

SERVICES: list[dict[str, Any]] = [
    {
        "name": "getConnection",
        "access": list(USEF_ROLES),
        "description": "Request entity addresses of connections",
    },
    {"name": "getMeterData", "access": list(USEF_ROLES), "description": "Request meter reading"},
    {"name": "postMeterData", "access": ["MDC"], "description": "Send meter reading"},
    {"name": "getPrognosis", "access": list(USEF_ROLES), "description": "Request load prognosis"},
    {"name": "postPrognosis", "access": list(USEF_ROLES), "description": "Send load prognosis"},
    {"name": "postPriceData", "access": list(USEF_ROLES), "description": "Send prices"},
    {
        "name": "postWeatherData",
        "access": list(USEF_ROLES),
        "description": "Send weather forecasts or observations",
    },
]
_ACCESS = {service["name"]: service["access"] for service in SERVICES}


def service_listing(access: str | None = None) -> dict[str, Any]:
    """The listing, optionally only the services open to one role (INVALID_ROLE for an unknown role)."""
    services = SERVICES
    if access is not None:
        role = next((r for r in USEF_ROLES if r.lower() == str(access).strip().lower()), None)
        if role is None:
            raise LegacyError(
                "INVALID_ROLE",
                f"No known services for role {access!r}; roles are {', '.join(USEF_ROLES)}.",
            )
        services = [s for s in SERVICES if role in s["access"]]
    return {"version": VERSION, "services": [dict(s, access=list(s["access"])) for s in services]}


def require_access(user: User, service: str) -> None:
    """Refuse (INVALID_SENDER, 403) a user whose account holds none of the service's roles."""
    allowed = _ACCESS[service]
    if permissions.is_admin(user) or any(user.account.has_role(role) for role in allowed):
        return
    raise LegacyError(
        "INVALID_SENDER",
        f"{service} is for accounts with the role {' or '.join(allowed)}; your account has "
        f"{', '.join(sorted(r.name for r in user.account.account_roles)) or 'no role'}.",
    )

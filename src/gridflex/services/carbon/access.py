"""Which zones and routes of the carbon API an account may use.

Limits live in the account's attributes::

    {"carbon_api": {"zones": ["DE", "FR"], "routes": ["carbon-intensity/latest", ...]}}
    {"carbon_api": {"zones": {"PL": ["*"], "PT": ["carbon-intensity/latest"]}}}

``zones`` is a list (all with ``routes``) or an object giving each zone its own
routes; ``"*"`` (or no entry at all) means everything. ``updated-since`` is
allowed whenever one of the *past* routes is (as the contract says), and listed
with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from gridflex.errors import ValidationError
from gridflex.store.models import Account

KEY = "carbon_api"
UPDATED_SINCE = "updated-since"
SIGNALS = ("carbon-free-energy", "renewable-energy", "total-load", "net-load", "price-day-ahead")
ROUTES: tuple[str, ...] = (
    "carbon-intensity/latest",
    "carbon-intensity/history",
    "carbon-intensity/past",
    "carbon-intensity/past-range",
    "carbon-intensity/forecast",
    "carbon-intensity/best-window",
    "power-breakdown/latest",
    "power-breakdown/history",
    "power-breakdown/past",
    "power-breakdown/past-range",
    "power-breakdown/forecast",
    "power-consumption-breakdown/history",
    "power-consumption-breakdown/forecast",
    "marginal-carbon-intensity/forecast",
    "marginal-power-consumption-breakdown/forecast",
    *(
        f"{signal}/{when}"
        for signal in SIGNALS
        for when in ("latest", "history", "past", "past-range")
    ),
    "home-assistant",
    UPDATED_SINCE,
)
PAST_ROUTES = frozenset(r for r in ROUTES if r.endswith(("/past", "/past-range")))

Routes = frozenset[str] | None  # None: every route


@dataclass(frozen=True)
class Access:
    """An account's limits; ``None`` means no limit."""

    zones: frozenset[str] | None = None
    routes: Routes = None
    per_zone: Mapping[str, Routes] = field(default_factory=dict)

    def routes_for(self, zone_id: str) -> Routes:
        return self.per_zone[zone_id] if zone_id in self.per_zone else self.routes

    def allows_zone(self, zone_id: str) -> bool:
        return self.zones is None or zone_id in self.zones

    def allows(self, zone_id: str, route: str) -> bool:
        if not self.allows_zone(zone_id):
            return False
        routes = self.routes_for(zone_id)
        if routes is None:
            return True
        if route == UPDATED_SINCE:
            return bool(routes & PAST_ROUTES)
        return route in routes

    def listing(self, zone_id: str) -> list[str]:
        """The ``access`` list of ``/zones``: ``["*"]`` or the routes, sorted."""
        routes = self.routes_for(zone_id)
        if routes is None:
            return ["*"]
        listed = set(routes) - {UPDATED_SINCE}
        if listed & PAST_ROUTES:
            listed.add(UPDATED_SINCE)
        return sorted(listed)


UNLIMITED = Access()


def access_of(attributes: Mapping[str, Any] | None) -> Access:
    """The limits stored in an account's attributes (unreadable limits allow nothing)."""
    spec = (attributes or {}).get(KEY)
    if not spec:
        return UNLIMITED
    try:
        return parse(spec)
    except ValidationError:
        return Access(zones=frozenset(), routes=frozenset())


def parse(spec: Mapping[str, Any]) -> Access:
    if not isinstance(spec, Mapping):
        raise ValidationError(f"{KEY} must be an object.", field=KEY)
    zones = spec.get("zones", "*")
    routes = _routes(spec.get("routes", "*"), f"{KEY}.routes")
    if isinstance(zones, Mapping):
        per_zone = {str(z): _routes(r, f"{KEY}.zones.{z}") for z, r in zones.items()}
        return Access(frozenset(per_zone), routes, per_zone)
    return Access(_zones(zones), routes)


def _zones(value: Any) -> frozenset[str] | None:
    if value == "*" or value == ["*"]:
        return None
    if not isinstance(value, list) or not all(isinstance(z, str) and z for z in value):
        raise ValidationError(
            f"{KEY}.zones must be '*', a list of zone ids or an object.", field=KEY
        )
    return frozenset(value)


def _routes(value: Any, where: str) -> Routes:
    if value == "*" or value == ["*"]:
        return None
    if not isinstance(value, list):
        raise ValidationError(f"{where} must be '*' or a list of routes.", field=where)
    names = [normalise_route(r) for r in value]
    unknown = sorted(set(names) - set(ROUTES))
    if unknown:
        raise ValidationError(
            f"{where}: unknown route(s) {', '.join(unknown)}; expected some of {', '.join(ROUTES)}.",
            field=where,
        )
    return frozenset(names)


def normalise_route(route: Any) -> str:
    text = str(route).strip().strip("/")
    return text[3:] if text.startswith("v3/") else text


def set_access(
    session: Session,
    account: Account,
    *,
    zones: Iterable[str] | None,
    routes: Iterable[str] | None,
) -> dict[str, Any]:
    """Limit an account to these zones and routes (None: no limit on that axis)."""
    spec = {
        "zones": "*" if zones is None else sorted(set(zones)),
        "routes": "*" if routes is None else sorted({normalise_route(r) for r in routes}),
    }
    parse(spec)
    account.attributes = {**(account.attributes or {}), KEY: spec}
    session.flush()
    return spec


def clear_access(session: Session, account: Account) -> None:
    account.attributes = {k: v for k, v in (account.attributes or {}).items() if k != KEY}
    session.flush()

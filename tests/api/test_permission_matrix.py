"""Who may do what: every user role against every entity route, on their own account, another one and public assets.

The world (built once per test, one test per role):

    account A  "own":        account-admin, plain member, target user uA; asset aA with sensor sA
    account B  "other":      member of another account ("stranger"), target user uB; asset aB with sensor sB;
                             consulted by account C
    account C  consultancy:  consultant
    account D  operators:    admin, admin-reader
    no account (public):     asset aP with sensor sP

A cell is the expected status code; for list routes it is the set of targets (A, B, P) the
answer shows ("-" for none). After every write the database is checked: the change must have
landed exactly when the status says it did (nothing half-written, nothing sneaked through).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.store.base import session_scope
from gridflex.store.models import Account, Asset, AssetType, Sensor, User

ROLES = ("anonymous", "admin", "admin-reader", "account-admin", "consultant", "member", "stranger")

# fmt: off
MATRIX = [
    # endpoint                   anonymous admin  admin-reader account-admin consultant member stranger
    ("list accounts",            401,      "AB",  "AB",        "A",          "B",       "A",   "B"),
    ("read account A",           401,      200,   200,         200,          403,       200,   403),
    ("read account B",           401,      200,   200,         403,          200,       403,   200),
    ("update account A",         401,      200,   403,         200,          403,       403,   403),
    ("update account B",         401,      200,   403,         403,          403,       403,   403),
    ("list users of A",          401,      200,   200,         200,          403,       200,   403),
    ("list users of B",          401,      200,   200,         403,          200,       403,   200),
    ("read user uA",             401,      200,   200,         200,          403,       200,   403),
    ("read user uB",             401,      200,   200,         403,          200,       403,   200),
    ("create user in A",         401,      201,   403,         201,          403,       403,   403),
    ("create user in B",         401,      201,   403,         403,          403,       403,   403),
    ("update user uA",           401,      200,   403,         200,          403,       403,   403),
    ("update user uB",           401,      200,   403,         403,          403,       403,   403),
    ("list accessible assets",   401,      "ABP", "ABP",       "AP",         "BP",      "AP",  "BP"),
    ("list assets of A",         401,      200,   200,         200,          403,       200,   403),
    ("list assets of B",         401,      200,   200,         403,          200,       403,   200),
    ("read asset aA",            401,      200,   200,         200,          403,       200,   403),
    ("read asset aB",            401,      200,   200,         403,          200,       403,   200),
    ("read asset aP",            401,      200,   200,         200,          200,       200,   200),
    ("create asset in A",        401,      201,   403,         201,          403,       201,   403),
    ("create asset in B",        401,      201,   403,         403,          403,       403,   201),
    ("create public asset",      401,      201,   403,         403,          403,       403,   403),
    ("update asset aA",          401,      200,   403,         200,          403,       200,   403),
    ("update asset aB",          401,      200,   403,         403,          403,       403,   200),
    ("update asset aP",          401,      200,   403,         403,          403,       403,   403),
    ("list accessible sensors",  401,      "P",   "P",         "AP",         "BP",      "AP",  "BP"),
    ("list sensors of A",        401,      200,   200,         200,          403,       200,   403),
    ("list sensors of B",        401,      200,   200,         403,          200,       403,   200),
    ("list sensors under aA",    401,      200,   200,         200,          403,       200,   403),
    ("read sensor sA",           401,      200,   200,         200,          403,       200,   403),
    ("read sensor sB",           401,      200,   200,         403,          200,       403,   200),
    ("read sensor sP",           401,      200,   200,         200,          200,       200,   200),
    # every listing route, as seen by each role (consultants see the accounts they consult for)
    ("list own assets",          401,      "-",   "-",         "A",          "-",       "A",   "B"),
    ("list assets under aB",     401,      "B",   "B",         403,          "B",       403,   "B"),
    ("list own sensors",         401,      "-",   "-",         "A",          "-",       "A",   "B"),
    ("list sensors of aB",       401,      "B",   "B",         403,          "B",       403,   "B"),
    ("list public assets",       401,      "P",   "P",         "P",          "P",       "P",   "P"),
    ("audit log of aB",          401,      200,   200,         403,          200,       403,   200),
    ("audit log of account B",   401,      200,   200,         403,          403,       403,   403),
    ("audit log of user uB",     401,      200,   200,         403,          403,       403,   403),
    ("jobs of aB",               401,      200,   200,         403,          200,       403,   200),
    ("v1_1 connections",         401,      "AB",  "AB",        "A",          "B",       "A",   "B"),
    ("create sensor on aA",      401,      201,   403,         201,          403,       201,   403),
    ("create sensor on aB",      401,      201,   403,         403,          403,       403,   201),
    ("create sensor on aP",      401,      201,   403,         403,          403,       403,   403),
    ("update sensor sA",         401,      200,   403,         200,          403,       403,   403),
    ("update sensor sB",         401,      200,   403,         403,          403,       403,   403),
    ("update sensor sP",         401,      200,   403,         403,          403,       403,   403),
    ("delete sensor sA",         401,      204,   403,         204,          403,       403,   403),
    ("delete sensor sB",         401,      204,   403,         403,          403,       403,   403),
    ("delete sensor sP",         401,      204,   403,         403,          403,       403,   403),
    ("delete asset aA",          401,      204,   403,         204,          403,       403,   403),
    ("delete asset aB",          401,      204,   403,         403,          403,       403,   403),
    ("delete asset aP",          401,      204,   403,         403,          403,       403,   403),
]
# fmt: on

Check = Callable[[Session, dict[str, int]], bool]


def renamed(model: Any, key: str, column: str = "name", value: str = "renamed") -> Check:
    return lambda s, ids: getattr(s.get(model, ids[key]), column) == value


def exists(model: Any, **where: Any) -> Check:
    def check(s: Session, ids: dict[str, int]) -> bool:
        values = {
            k: ids[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v
            for k, v in where.items()
        }
        return s.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**values)) == 1

    return check


def gone(model: Any, key: str) -> Check:
    return lambda s, ids: s.get(model, ids[key]) is None


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict[str, Any] | None = None
    landed: Check | None = None  # for writes: did the change reach the database?
    visible: dict[str, str] = field(default_factory=dict)  # for lists: target letter -> world key
    shown: Callable[[Any], set[int]] = lambda answer: {item["id"] for item in answer}


def new_sensor(asset: str) -> dict[str, Any]:
    return {
        "name": "new",
        "unit": "kW",
        "event_resolution": "PT15M",
        "generic_asset_id": "{" + asset + "}",
    }


def new_asset(name: str, account: str | None) -> dict[str, Any]:
    account_id = None if account is None else "{" + account + "}"
    return {"name": name, "generic_asset_type_id": "{battery}", "account_id": account_id}


def new_user(account: str) -> dict[str, Any]:
    return {
        "email": f"new-in-{account.lower()}@example.org",
        "username": "new",
        "account_id": "{" + account + "}",
    }


V3 = "/api/v3_0"
CALLS: dict[str, Call] = {
    "list accounts": Call("GET", f"{V3}/accounts", visible={"A": "A", "B": "B"}),
    "read account A": Call("GET", f"{V3}/accounts/{{A}}"),
    "read account B": Call("GET", f"{V3}/accounts/{{B}}"),
    **{
        f"update account {a}": Call(
            "PATCH",
            f"{V3}/accounts/{{{a}}}",
            {"name": f"renamed {a}"},
            renamed(Account, a, value=f"renamed {a}"),
        )
        for a in ("A", "B")
    },
    "list users of A": Call("GET", f"{V3}/users?account_id={{A}}"),
    "list users of B": Call("GET", f"{V3}/users?account_id={{B}}"),
    "read user uA": Call("GET", f"{V3}/users/{{uA}}"),
    "read user uB": Call("GET", f"{V3}/users/{{uB}}"),
    "create user in A": Call(
        "POST", f"{V3}/users", new_user("A"), exists(User, email="new-in-a@example.org")
    ),
    "create user in B": Call(
        "POST", f"{V3}/users", new_user("B"), exists(User, email="new-in-b@example.org")
    ),
    "update user uA": Call(
        "PATCH", f"{V3}/users/{{uA}}", {"username": "renamed"}, renamed(User, "uA", "username")
    ),
    "update user uB": Call(
        "PATCH", f"{V3}/users/{{uB}}", {"username": "renamed"}, renamed(User, "uB", "username")
    ),
    "list accessible assets": Call(
        "GET", f"{V3}/assets?all_accessible=true", visible={"A": "aA", "B": "aB", "P": "aP"}
    ),
    "list assets of A": Call("GET", f"{V3}/assets?account_id={{A}}"),
    "list assets of B": Call("GET", f"{V3}/assets?account_id={{B}}"),
    "read asset aA": Call("GET", f"{V3}/assets/{{aA}}"),
    "read asset aB": Call("GET", f"{V3}/assets/{{aB}}"),
    "read asset aP": Call("GET", f"{V3}/assets/{{aP}}"),
    "create asset in A": Call(
        "POST", f"{V3}/assets", new_asset("new A", "A"), exists(Asset, name="new A")
    ),
    "create asset in B": Call(
        "POST", f"{V3}/assets", new_asset("new B", "B"), exists(Asset, name="new B")
    ),
    "create public asset": Call(
        "POST", f"{V3}/assets", new_asset("new P", None), exists(Asset, name="new P")
    ),
    "update asset aA": Call(
        "PATCH", f"{V3}/assets/{{aA}}", {"name": "renamed"}, renamed(Asset, "aA")
    ),
    "update asset aB": Call(
        "PATCH", f"{V3}/assets/{{aB}}", {"name": "renamed"}, renamed(Asset, "aB")
    ),
    "update asset aP": Call(
        "PATCH", f"{V3}/assets/{{aP}}", {"name": "renamed"}, renamed(Asset, "aP")
    ),
    "list accessible sensors": Call(
        "GET",
        f"{V3}/sensors?include_public_assets=true&include_consultancy_clients=true",
        visible={"A": "sA", "B": "sB", "P": "sP"},
    ),
    "list sensors of A": Call("GET", f"{V3}/sensors?account_id={{A}}"),
    "list sensors of B": Call("GET", f"{V3}/sensors?account_id={{B}}"),
    "list sensors under aA": Call("GET", f"{V3}/sensors?asset_id={{aA}}"),
    "read sensor sA": Call("GET", f"{V3}/sensors/{{sA}}"),
    "read sensor sB": Call("GET", f"{V3}/sensors/{{sB}}"),
    "read sensor sP": Call("GET", f"{V3}/sensors/{{sP}}"),
    "list own assets": Call("GET", f"{V3}/assets", visible={"A": "aA", "B": "aB", "P": "aP"}),
    "list assets under aB": Call(
        "GET", f"{V3}/assets?root={{aB}}", visible={"A": "aA", "B": "aB", "P": "aP"}
    ),
    "list own sensors": Call("GET", f"{V3}/sensors", visible={"A": "sA", "B": "sB", "P": "sP"}),
    "list sensors of aB": Call(
        "GET", f"{V3}/assets/{{aB}}/sensors", visible={"A": "sA", "B": "sB", "P": "sP"}
    ),
    "list public assets": Call(
        "GET", f"{V3}/assets/public", visible={"A": "aA", "B": "aB", "P": "aP"}
    ),
    "audit log of aB": Call("GET", f"{V3}/assets/{{aB}}/auditlog"),
    "audit log of account B": Call("GET", f"{V3}/accounts/{{B}}/auditlog"),
    "audit log of user uB": Call("GET", f"{V3}/users/{{uB}}/auditlog"),
    "jobs of aB": Call("GET", f"{V3}/assets/{{aB}}/jobs"),
    # v1_1 addresses connections as ea1.<date>.<host>:<account id>:<asset id>
    "v1_1 connections": Call(
        "GET",
        "/api/v1_1/getConnection?type=GetConnectionRequest",
        visible={"A": "aA", "B": "aB", "P": "aP"},
        shown=lambda answer: {int(a.rsplit(":", 1)[1]) for a in answer["connections"]},
    ),
    **{
        f"create sensor on {asset}": Call(
            "POST",
            f"{V3}/sensors",
            new_sensor(asset),
            exists(Sensor, name="new", generic_asset_id="{" + asset + "}"),
        )
        for asset in ("aA", "aB", "aP")
    },
    **{
        f"update sensor {sensor}": Call(
            "PATCH", f"{V3}/sensors/{{{sensor}}}", {"name": "renamed"}, renamed(Sensor, sensor)
        )
        for sensor in ("sA", "sB", "sP")
    },
    **{
        f"delete sensor {sensor}": Call(
            "DELETE", f"{V3}/sensors/{{{sensor}}}", landed=gone(Sensor, sensor)
        )
        for sensor in ("sA", "sB", "sP")
    },
    **{
        f"delete asset {asset}": Call(
            "DELETE", f"{V3}/assets/{{{asset}}}", landed=gone(Asset, asset)
        )
        for asset in ("aA", "aB", "aP")
    },
}


def build_world(world: Any, settings: Any) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    """The accounts, users, assets and sensors of the module docstring; returns (ids, headers per role)."""
    # USEF roles let the accounts use the v1_1 API too (they change nothing in v3_0).
    ids: dict[str, int] = {"C": world.account("Consultancy C", roles=["Consultancy", "ESCo"])}
    ids["A"] = world.account("Own A", roles=["Prosumer"])
    ids["B"] = world.account("Other B", roles=["Prosumer"], consultancy_account_id=ids["C"])
    ids["D"] = world.account("Operators D", roles=["MDC"])
    actors = {
        "admin": world.user(ids["D"], roles=["admin"]),
        "admin-reader": world.user(ids["D"], roles=["admin-reader"]),
        "account-admin": world.user(ids["A"], roles=["account-admin"]),
        "consultant": world.user(ids["C"], roles=["consultant"]),
        "member": world.user(ids["A"]),
        "stranger": world.user(ids["B"]),
    }
    ids["uA"], ids["uB"] = world.user(ids["A"]).id, world.user(ids["B"]).id
    for letter, account in (("A", ids["A"]), ("B", ids["B"]), ("P", None)):
        ids[f"a{letter}"] = world.asset(account, name=f"asset {letter}")
        ids[f"s{letter}"] = world.sensor(ids[f"a{letter}"], name=f"sensor {letter}")
    with session_scope(settings.database_url) as session:
        ids["battery"] = session.scalar(sa.select(AssetType.id).where(AssetType.name == "battery"))
    headers = {role: actor.headers for role, actor in actors.items()} | {"anonymous": {}}
    return ids, headers


def fill(value: Any, ids: dict[str, int]) -> Any:
    """Put world ids into a path or body: "{aA}" alone becomes the integer id."""
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, str):
        whole = re.fullmatch(r"\{(\w+)\}", value)
        return ids[whole.group(1)] if whole else value.format(**ids)
    return value


def outcome(res: Any, call: Call, ids: dict[str, int]) -> int | str:
    if not call.visible or res.status_code != 200:
        return res.status_code
    shown = call.shown(res.json())
    return "".join(letter for letter, key in call.visible.items() if ids[key] in shown) or "-"


def test_matrix_is_complete():
    assert [row[0] for row in MATRIX] == list(CALLS)
    assert all(len(row) == len(ROLES) + 1 for row in MATRIX)


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world, settings, role):
    ids, headers = build_world(world, settings)
    column = ROLES.index(role) + 1
    failures = []
    for row in MATRIX:
        label, expected, call = row[0], row[column], CALLS[row[0]]
        res = client.request(
            call.method, fill(call.path, ids), json=fill(call.body, ids), headers=headers[role]
        )
        got = outcome(res, call, ids)
        if got != expected:
            failures.append(f"{label}: expected {expected}, got {got} {res.text[:200]}")
        if call.landed is not None:
            with session_scope(settings.database_url) as session:
                landed = call.landed(session, ids)
            if landed != (res.status_code < 300):
                failures.append(
                    f"{label}: answered {res.status_code} but the change landed={landed}"
                )
    assert not failures, f"{role}:\n" + "\n".join(failures)

"""Who may do what: the one place that decides. Routers, the CLI and services ask here.

Rules
-----
- ``admin`` may do everything; ``admin-reader`` may read everything.
- Members of an account read and update its assets, sensors and data, and create
  assets and sensors in it; ``account-admin`` also deletes them and manages the
  account's users.
- ``consultant`` users read the accounts whose ``consultancy_account_id`` is
  their own account.
- Public assets (no account) and their sensors and data are readable by every
  authenticated user and writable by admins only.
- User roles can only be granted by someone with a higher access level:
  admins grant any role; account-admins grant ``account-admin`` and
  ``consultant`` within their own account.
- For the same reason, account-admins manage (edit, (de)activate) only those
  users of their account whose roles they could have granted themselves:
  never an ``admin`` or ``admin-reader``. Everyone edits a few of their own fields.
- A sensor's description (unit, resolution, timezone, knowledge horizon) is
  changed by admins and by account-admins of the owning account only: changing
  it re-interprets every stored value.
"""

from __future__ import annotations

from gridflex.errors import PermissionDeniedError
from gridflex.store.models import Account, Asset, Job, Sensor, User

READ, UPDATE, CREATE, DELETE = "read", "update", "create-children", "delete"


def is_admin(user: User) -> bool:
    return user.has_role("admin")


def reads_everything(user: User) -> bool:
    return user.has_role("admin") or user.has_role("admin-reader")


def consults_for(user: User, account: Account | None) -> bool:
    return (
        account is not None
        and user.has_role("consultant")
        and account.consultancy_account_id == user.account_id
    )


def can_read_account(user: User, account: Account) -> bool:
    return reads_everything(user) or account.id == user.account_id or consults_for(user, account)


def can_update_account(user: User, account: Account) -> bool:
    return is_admin(user) or (account.id == user.account_id and user.has_role("account-admin"))


def can_access_asset(user: User, asset: Asset, action: str) -> bool:
    """Whether ``user`` may perform ``action`` on ``asset`` (and on its sensors and data)."""
    if is_admin(user):
        return True
    if action == READ:
        if asset.account_id is None or reads_everything(user):
            return True
        return asset.account_id == user.account_id or consults_for(user, asset.owner)
    if asset.account_id is None or asset.account_id != user.account_id:
        return False
    if action == DELETE:
        return user.has_role("account-admin")
    return True  # update, create-children: any member of the owning account


def can_access_sensor(user: User, sensor: Sensor, action: str) -> bool:
    return can_access_asset(user, sensor.asset, action)


def can_read_account_audit(user: User, account: Account) -> bool:
    return reads_everything(user) or (
        account.id == user.account_id and user.has_role("account-admin")
    )


def can_read_user_audit(user: User, other: User) -> bool:
    return (
        reads_everything(user) or user.id == other.id or can_manage_users_of(user, other.account_id)
    )


def can_read_job(user: User, job: Job) -> bool:
    return reads_everything(user) or job.account_id == user.account_id


def can_read_user(user: User, other: User) -> bool:
    return (
        reads_everything(user)
        or other.account_id == user.account_id
        or consults_for(user, other.account)
    )


def can_manage_users_of(user: User, account_id: int) -> bool:
    return is_admin(user) or (user.account_id == account_id and user.has_role("account-admin"))


def can_manage_user(user: User, other: User) -> bool:
    """Whether ``user`` may edit ``other`` beyond the fields everyone may edit of themselves."""
    if is_admin(user):
        return True
    outranks = set(other.role_names) - grantable_roles(user)
    return can_manage_users_of(user, other.account_id) and not outranks


def can_update_sensor_fields(user: User, sensor: Sensor) -> bool:
    return can_access_sensor(user, sensor, UPDATE) and (
        is_admin(user) or user.has_role("account-admin")
    )


def grantable_roles(user: User) -> set[str]:
    """The user roles this user may grant or revoke."""
    if is_admin(user):
        return {"admin", "admin-reader", "account-admin", "consultant"}
    if user.has_role("account-admin"):
        return {"account-admin", "consultant"}
    return set()


def require(
    allowed: bool, message: str = "You cannot be authorized for this content or functionality."
) -> None:
    if not allowed:
        raise PermissionDeniedError(message)

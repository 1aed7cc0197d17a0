"""The audit log: every change to accounts, users and assets leaves a line."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridflex.store.models import AuditLog, User
from gridflex.store.queries import audit as q
from gridflex.store.queries.listing import Listed, Page


def record(
    session: Session,
    event: str,
    *,
    actor: User | None,
    user_id: int | None = None,
    account_id: int | None = None,
    asset_id: int | None = None,
) -> None:
    session.add(
        AuditLog(
            event=event[:1000],
            active_user_id=actor.id if actor else None,
            active_user_name=actor.username if actor else "gridflex CLI",
            affected_user_id=user_id,
            affected_account_id=account_id,
            affected_asset_id=asset_id,
        )
    )


def entries(
    session: Session,
    page: Page,
    *,
    user_id: int | None = None,
    account_id: int | None = None,
    asset_id: int | None = None,
) -> Listed:
    """Audit-log entries about one user, account or asset (the caller checked access)."""
    return q.list_entries(session, page, user_id=user_id, account_id=account_id, asset_id=asset_id)

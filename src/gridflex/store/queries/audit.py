"""The audit log: entries about a user, an account or an asset."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gridflex.store.models import AuditLog
from gridflex.store.queries.listing import Listed, Page, list_rows


def list_entries(
    session: Session,
    page: Page,
    *,
    user_id: int | None = None,
    account_id: int | None = None,
    asset_id: int | None = None,
) -> Listed:
    """Entries affecting the given user, account or asset (exactly one of them)."""
    column, value = next(
        (col, v)
        for col, v in (
            (AuditLog.affected_user_id, user_id),
            (AuditLog.affected_account_id, account_id),
            (AuditLog.affected_asset_id, asset_id),
        )
        if v is not None
    )
    return list_rows(
        session,
        sa.select(AuditLog).where(column == value),
        page,
        search_columns=[AuditLog.event, AuditLog.active_user_name],
        sort_columns={"event_datetime": AuditLog.event_datetime, "event": AuditLog.event},
        default_sort=AuditLog.id,
    )

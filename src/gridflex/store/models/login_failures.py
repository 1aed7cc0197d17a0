"""Failed logins, counted per account (email) and per client address.

Kept in the database so that every server process (and every machine behind a load
balancer) sees the same counts; rows are deleted once they are forgotten.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gridflex.store.base import Base, UTCDateTime


class LoginFailure(Base):
    __tablename__ = "login_failure"

    # SHA-256 of "<kind>:<value>": attempted emails (sometimes a password typed in the
    # wrong field) and client addresses are not stored in the clear.
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(sa.Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After this moment the row counts for nothing and may be deleted.
    forget_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

"""Users and their user roles (admin, admin-reader, account-admin, consultant)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridflex.store.base import Base, UTCDateTime
from gridflex.store.models.accounts import Account
from gridflex.timing import utcnow

USER_ROLE_NAMES = ("admin", "admin-reader", "account-admin", "consultant")

roles_users = sa.Table(
    "roles_users",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role_id", sa.ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
)


def new_token_key() -> str:
    return secrets.token_hex(16)


class Role(Base):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str | None] = mapped_column(sa.String(255))


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    username: Mapped[str] = mapped_column(sa.String(255))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    timezone: Mapped[str] = mapped_column(sa.String(255), default="Europe/Amsterdam")
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # UI settings of this user (default asset view, legend position); only the user writes them.
    preferences: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, server_default="{}")
    # Part of every token; changing it invalidates all tokens of this user at once.
    token_key: Mapped[str] = mapped_column(sa.String(64), default=new_token_key)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="users", lazy="joined")
    roles: Mapped[list[Role]] = relationship(secondary=roles_users, lazy="selectin")

    def has_role(self, name: str) -> bool:
        return any(role.name == name for role in self.roles)

    @property
    def role_names(self) -> list[str]:
        return sorted(role.name for role in self.roles)

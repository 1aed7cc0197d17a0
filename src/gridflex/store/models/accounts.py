"""Accounts (organisations) and their USEF account roles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridflex.store.base import Base, UTCDateTime
from gridflex.timing import utcnow

if TYPE_CHECKING:
    from gridflex.store.models.users import User

ACCOUNT_ROLE_NAMES = ("Prosumer", "Supplier", "MDC", "DSO", "Aggregator", "ESCo", "Consultancy")

account_roles_accounts = sa.Table(
    "account_roles_accounts",
    Base.metadata,
    sa.Column("account_id", sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role_id", sa.ForeignKey("account_role.id", ondelete="CASCADE"), primary_key=True),
)


class AccountRole(Base):
    __tablename__ = "account_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str | None] = mapped_column(sa.String(255))


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    primary_color: Mapped[str | None] = mapped_column(sa.String(7))
    secondary_color: Mapped[str | None] = mapped_column(sa.String(7))
    logo_url: Mapped[str | None] = mapped_column(sa.String(255))
    consultancy_account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="SET NULL")
    )
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account_roles: Mapped[list[AccountRole]] = relationship(
        secondary=account_roles_accounts, lazy="selectin"
    )
    users: Mapped[list[User]] = relationship(back_populates="account", passive_deletes=True)

    def has_role(self, name: str) -> bool:
        return any(role.name == name for role in self.account_roles)

"""Data sources: who (or which model) said what."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gridflex.store.base import Base

SOURCE_TYPES = ("user", "scheduler", "forecaster", "reporter", "demo script", "other")


class DataSource(Base):
    __tablename__ = "data_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[str] = mapped_column(sa.String(80))
    model: Mapped[str | None] = mapped_column(sa.String(80))
    version: Mapped[str | None] = mapped_column(sa.String(40))
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="SET NULL"), index=True
    )

    @property
    def description(self) -> str:
        parts = [self.name]
        if self.model:
            parts.append(f"model {self.model}" + (f" v{self.version}" if self.version else ""))
        return ", ".join(parts)

"""Asset types and assets (sites, devices, zones, substations...), with an optional parent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridflex.store.base import Base
from gridflex.store.models.accounts import Account

if TYPE_CHECKING:
    from gridflex.store.models.sensors import Sensor


class AssetType(Base):
    __tablename__ = "generic_asset_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str | None] = mapped_column(sa.String(255))


class Asset(Base):
    __tablename__ = "generic_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str | None] = mapped_column(sa.String(255))
    generic_asset_type_id: Mapped[int] = mapped_column(
        sa.ForeignKey("generic_asset_type.id"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    parent_asset_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("generic_asset.id", ondelete="CASCADE"), index=True
    )
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    external_id: Mapped[str | None] = mapped_column(sa.String(255))
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    flex_context: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    flex_model: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    sensors_to_show: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    sensors_to_show_as_kpis: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)

    asset_type: Mapped[AssetType] = relationship(lazy="joined")
    owner: Mapped[Account | None] = relationship(lazy="joined")
    parent: Mapped[Asset | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Asset]] = relationship(back_populates="parent", passive_deletes=True)
    sensors: Mapped[list[Sensor]] = relationship(back_populates="asset", passive_deletes=True)

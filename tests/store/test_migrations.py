"""The schema is only made by migrations: they must produce exactly what the models describe."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from gridflex.store import migrate, partitioning
from gridflex.store.base import Base, get_engine


def _diff(url: str) -> list:
    with get_engine(url).connect() as conn:
        opts = {
            "compare_type": True,
            "render_as_batch": True,
            "include_name": partitioning.include_name,
        }
        context = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(context, Base.metadata)


def test_migrations_match_the_models(database_url):
    assert migrate.current(database_url) is not None
    assert _diff(database_url) == []


def test_every_migration_downgrades_and_upgrades_again(db):
    migrate.downgrade(db, "base")
    with get_engine(db).connect() as conn:
        assert "belief" not in sa.inspect(conn).get_table_names()
    migrate.upgrade(db)
    assert _diff(db) == []
    with get_engine(db).connect() as conn:
        names = {row[0] for row in conn.execute(sa.text("SELECT name FROM generic_asset_type"))}
    assert {"battery", "solar", "building", "substation", "grid zone"} <= names

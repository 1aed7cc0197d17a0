"""Alembic environment: migrations run from inside the package (``gridflex db upgrade``)."""

from __future__ import annotations

from alembic import context

from gridflex.store import (
    models,  # noqa: F401  (registers every table on the metadata)
    partitioning,
)
from gridflex.store.base import Base, get_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = get_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite can only alter tables by copying them
            compare_type=True,
            include_name=partitioning.include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()

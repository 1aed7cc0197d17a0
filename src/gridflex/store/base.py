"""Declarative base, naming convention, engine and session factory.

One code path for both backends: SQLite (a file in WAL mode, the embedded
default) and PostgreSQL (psycopg 3). The schema is only ever created by the
Alembic migrations shipped in ``store/migrations``.

A PostgreSQL URL may end in ``?pgbouncer=true``: the connection then goes through
PgBouncer in transaction mode, where consecutive transactions of one client may
run on different server connections. psycopg must then never prepare statements
(they would live on one server connection only): ``prepare_threshold=None``.
Everything else the store does is transaction-scoped (``SET LOCAL``), so it
works unchanged behind PgBouncer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from gridflex.errors import ValidationError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


INT32_MAX = 2**31 - 1


class Int32(sa.types.TypeDecorator[int]):
    """INTEGER on both backends, refusing numbers it cannot hold before the database does.

    Ids come from requests (paths, queries, bodies, nested flex-models); PostgreSQL answers
    an error for one beyond 32 bits and SQLite for one beyond 64. Here such a value is a
    ``ValidationError`` (-> 422) wherever it is bound: a lookup, a filter, an insert.
    """

    impl = sa.Integer
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Any) -> int | None:
        if value is not None and not -INT32_MAX - 1 <= value <= INT32_MAX:
            raise ValidationError(
                f"{value} is out of range for an id or a count (at most {INT32_MAX})."
            )
        return value


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {int: Int32}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends (SQLite keeps no offsets, so we store naive UTC)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


PGBOUNCER_FLAG = "pgbouncer"


def split_pgbouncer_flag(url: str) -> tuple[str, bool]:
    """The URL without its ``pgbouncer=true|false`` query flag, and the flag."""
    parsed = sa.engine.make_url(normalise_url(url))
    flag = parsed.query.get(PGBOUNCER_FLAG)
    if flag is None:
        return normalise_url(url), False
    if isinstance(flag, tuple) or flag.lower() not in ("true", "false", "1", "0"):
        raise ValueError(f"{PGBOUNCER_FLAG}= in a database URL takes true or false, not {flag!r}")
    rest = parsed.difference_update_query([PGBOUNCER_FLAG])
    return rest.render_as_string(hide_password=False), flag.lower() in ("true", "1")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while a writer writes; busy_timeout waits instead of failing
    # when the embedded job threads and the API write at the same time.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _json_loads(text: str | bytes) -> Any:
    """orjson where it can (5x faster on registry-sized reads), the standard library for
    what only it accepts (NaN and Infinity, which ``json.dumps`` writes)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


_ENGINES: list[Engine] = []


def engines() -> list[Engine]:
    """The engines (and connection pools) this process made."""
    return list(_ENGINES)


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One engine (and connection pool) per database URL per process."""
    url, behind_pgbouncer = split_pgbouncer_flag(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_deserializer=_json_loads,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = sa.create_engine(
            url,
            pool_size=10,
            max_overflow=20,
            json_deserializer=_json_loads,
            connect_args={"prepare_threshold": None} if behind_pgbouncer else {},
        )
        _ping_when_idle(engine)
    _ENGINES.append(engine)
    return engine


PING_AFTER_IDLE_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use if it sat idle for a while.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip per request, a
    tenth of what a small read costs. Connections die while idle (a server restart, a
    proxy's idle time-out), so only those are pinged; one that failed is replaced by the
    pool, and a connection that dies in use is answered 503 and discarded with its pool.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _lent(dbapi: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except Exception as exc:  # any failure: the pool connects afresh
            raise sa_exc.DisconnectionError(str(exc)) from exc


@lru_cache(maxsize=8)
def get_sessionmaker(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    session = get_sessionmaker(url)()
    try:
        yield session
    except BaseException:
        end_session(session, commit=False)
        raise
    end_session(session, commit=True)


def end_session(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) and close; a failed commit is rolled back and raised."""
    try:
        if not commit:
            session.rollback()
            return
        try:
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        session.close()


def ping(session: Session) -> None:
    """Raise unless the database answers."""
    session.execute(sa.text("SELECT 1"))

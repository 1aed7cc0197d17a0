"""PostgreSQL: the belief table hash-partitioned by sensor (16 partitions).

Every hot query filters on ``sensor_id``, so it reads one partition; the choice
(sensor hash, not time ranges) and its figures are in ``gridflex.store.partitioning``
and the README. The rebuilt table also stores its 8-byte columns first (no padding).

A table with more than a million beliefs is left as it is (a migration would hold
the upgrade for a long time without saying how far it is): convert it with
``gridflex db partition``, which shows progress; queries work on either layout.
SQLite is unaffected.

Revision ID: 0009_belief_partitioned
Revises: 0008_login_failures
Create Date: 2026-12-05 00:30:00
"""

import sqlalchemy as sa
from alembic import op

from gridflex.store import partitioning

revision = "0009_belief_partitioned"
down_revision = "0008_login_failures"
branch_labels = None
depends_on = None

CONVERT_AT_MOST = 1_000_000  # beliefs; more: use `gridflex db partition`


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql" or partitioning.partition_count(conn) is not None:
        return
    sql = f"SELECT count(*) FROM (SELECT 1 FROM belief LIMIT {CONVERT_AT_MOST + 1}) AS head"
    if conn.execute(sa.text(sql)).scalar_one() > CONVERT_AT_MOST:
        print(
            "The belief table holds more than a million beliefs and stays unpartitioned; "
            "run `gridflex db partition` to partition it (it shows its progress)."
        )
        return
    partitioning.convert(conn, partitioning.DEFAULT_PARTITIONS)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql" and partitioning.partition_count(conn) is not None:
        partitioning.convert(conn, None)

"""PostgreSQL: the belief chunk table, where ``gridflex db compress`` keeps old beliefs as
compressed arrays (one row per sensor, source and week; see ``gridflex.store.compression``).

It starts empty: nothing is compressed until the command runs. Downgrading turns every
chunk back into belief rows first. SQLite is unaffected.

Revision ID: 0011_belief_chunk
Revises: 0010_write_mark
Create Date: 2026-12-06 00:00:00
"""

import sqlalchemy as sa
from alembic import op

from gridflex.store import compression

revision = "0011_belief_chunk"
down_revision = "0010_write_mark"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        compression.create_table(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    conn.execute(sa.text(compression.THAW_ALL_SQL))
    op.drop_table(compression.TABLE)

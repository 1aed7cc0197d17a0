"""Write marks for read routing to a streaming replica (see ``gridflex.store.replica``).

Revision ID: 0010_write_mark
Revises: 0009_belief_partitioned
Create Date: 2026-12-05 00:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_write_mark"
down_revision = "0009_belief_partitioned"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "write_mark",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("wal_lsn", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_write_mark")),
    )


def downgrade() -> None:
    op.drop_table("write_mark")

"""Jobs: the durable record of background jobs (both backends).

Revision ID: 0003_jobs
Revises: 0002_belief_fks
Create Date: 2026-11-22 04:38:50.116328
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_jobs"
down_revision = "0002_belief_fks"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "job",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("func_name", sa.String(length=120), nullable=False),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("sensor_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("metadata_hash", sa.String(length=64), nullable=True),
        sa.Column("timeout_s", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_enqueued_at"), ["enqueued_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_metadata_hash"), ["metadata_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_queue"), ["queue"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_sensor_id"), ["sensor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_status"), ["status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_status"))
        batch_op.drop_index(batch_op.f("ix_job_sensor_id"))
        batch_op.drop_index(batch_op.f("ix_job_queue"))
        batch_op.drop_index(batch_op.f("ix_job_metadata_hash"))
        batch_op.drop_index(batch_op.f("ix_job_enqueued_at"))
        batch_op.drop_index(batch_op.f("ix_job_asset_id"))
        batch_op.drop_index(batch_op.f("ix_job_account_id"))

    op.drop_table("job")

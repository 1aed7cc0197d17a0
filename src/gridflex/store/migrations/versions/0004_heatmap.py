"""Heatmap: published network-capacity datasets (versioned, immutable).

Revision ID: 0004_heatmap
Revises: 0003_jobs
Create Date: 2026-11-22 05:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_heatmap"
down_revision = "0003_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heatmap_dataset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.Column("valid_to", sa.DateTime(), nullable=False),
        sa.Column("issued", sa.DateTime(), nullable=False),
        sa.Column("dublin_core", sa.JSON(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("geojson", sa.LargeBinary(), nullable=False),
        sa.Column("substation_count", sa.Integer(), nullable=False),
        sa.Column("circuit_count", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_heatmap_dataset_account_id_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_heatmap_dataset")),
        sa.UniqueConstraint("identifier", name=op.f("uq_heatmap_dataset_identifier")),
    )
    with op.batch_alter_table("heatmap_dataset", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_heatmap_dataset_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_heatmap_dataset_valid_from"), ["valid_from"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("heatmap_dataset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_heatmap_dataset_valid_from"))
        batch_op.drop_index(batch_op.f("ix_heatmap_dataset_account_id"))

    op.drop_table("heatmap_dataset")

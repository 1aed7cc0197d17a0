"""Heatmap: each published dataset keeps its conformance report.

The report (what the import refused, the deviations from the specification it kept,
the fields it computed) is JSON, read only by ``GET /heatmap/{identifier}/conformance``
and ``gridflex heatmap conformance``. Datasets published before have none (NULL).

Revision ID: 0007_heatmap_conformance
Revises: 0006_user_preferences
Create Date: 2026-11-23 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_heatmap_conformance"
down_revision = "0006_user_preferences"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("heatmap_dataset") as batch:
        batch.add_column(sa.Column("conformance", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("heatmap_dataset") as batch:
        batch.drop_column("conformance")

"""Beliefs without foreign keys: the bulk-write hot path checks its own references.

PostgreSQL checks a foreign key with one lookup (and row lock) per inserted row:
on a year of 15-minute values (35,040 rows) the two keys of the belief table cost
about 0.3 s, three times the COPY itself. Beliefs are only written by
``services.beliefs.write_beliefs``, which holds the sensor and the source it
writes for, and every code path that deletes sensors deletes their beliefs first
(``services.sensors.delete_sensor``, ``services.assets.delete_asset``);
``services.beliefs.delete_orphans`` removes beliefs whose sensor or source is gone.

Revision ID: 0002_belief_fks
Revises: 0001
Create Date: 2026-11-22 04:20:00
"""

from alembic import op

revision = "0002_belief_fks"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("belief", schema=None) as batch_op:
        batch_op.drop_constraint("fk_belief_sensor_id_sensor", type_="foreignkey")
        batch_op.drop_constraint("fk_belief_source_id_data_source", type_="foreignkey")


def downgrade() -> None:
    op.execute("DELETE FROM belief WHERE sensor_id NOT IN (SELECT id FROM sensor)")
    op.execute("DELETE FROM belief WHERE source_id NOT IN (SELECT id FROM data_source)")
    with op.batch_alter_table("belief", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_belief_sensor_id_sensor", "sensor", ["sensor_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_foreign_key(
            "fk_belief_source_id_data_source",
            "data_source",
            ["source_id"],
            ["id"],
            ondelete="CASCADE",
        )

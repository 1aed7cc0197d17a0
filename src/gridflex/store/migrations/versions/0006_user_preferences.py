"""User preferences on the user, not in the account's attributes.

Preferences (default asset view, legend position) were kept per user id in
``account.attributes["user_preferences"]``, so saving one rewrote the whole
account's attributes: a user could overwrite a colleague's preferences, and the
route that saved them wrote to a field that also holds admin-owned settings.

Revision ID: 0006_user_preferences
Revises: 0005_belief_clustered
Create Date: 2026-12-05 09:00:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0006_user_preferences"
down_revision = "0005_belief_clustered"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("preferences", sa.JSON(), nullable=False, server_default="{}"))
    conn = op.get_bind()
    accounts = conn.execute(sa.text("SELECT id, attributes FROM account")).all()
    for account_id, attributes in accounts:
        attributes = json.loads(attributes) if isinstance(attributes, str) else attributes
        if not isinstance(attributes, dict) or "user_preferences" not in attributes:
            continue
        for user_id, prefs in (attributes.pop("user_preferences") or {}).items():
            conn.execute(
                sa.text(
                    'UPDATE "user" SET preferences = :prefs WHERE id = :id AND account_id = :account'
                ),
                {"prefs": json.dumps(prefs), "id": int(user_id), "account": account_id},
            )
        conn.execute(
            sa.text("UPDATE account SET attributes = :attributes WHERE id = :id"),
            {"attributes": json.dumps(attributes), "id": account_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("preferences")

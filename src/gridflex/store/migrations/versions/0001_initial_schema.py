"""Initial schema: accounts, users, roles, assets, sensors, data sources, beliefs, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 03:53:59.891381
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("primary_color", sa.String(length=7), nullable=True),
        sa.Column("secondary_color", sa.String(length=7), nullable=True),
        sa.Column("logo_url", sa.String(length=255), nullable=True),
        sa.Column("consultancy_account_id", sa.Integer(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultancy_account_id"],
            ["account.id"],
            name=op.f("fk_account_consultancy_account_id_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("name", name=op.f("uq_account_name")),
    )
    op.create_table(
        "account_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_role")),
        sa.UniqueConstraint("name", name=op.f("uq_account_role_name")),
    )
    op.create_table(
        "generic_asset_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generic_asset_type")),
        sa.UniqueConstraint("name", name=op.f("uq_generic_asset_type_name")),
    )
    op.create_table(
        "role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role")),
        sa.UniqueConstraint("name", name=op.f("uq_role_name")),
    )
    op.create_table(
        "account_roles_accounts",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_account_roles_accounts_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["account_role.id"],
            name=op.f("fk_account_roles_accounts_role_id_account_role"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "role_id", name=op.f("pk_account_roles_accounts")),
    )
    op.create_table(
        "generic_asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("generic_asset_type_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("parent_asset_id", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("flex_context", sa.JSON(), nullable=False),
        sa.Column("flex_model", sa.JSON(), nullable=False),
        sa.Column("sensors_to_show", sa.JSON(), nullable=False),
        sa.Column("sensors_to_show_as_kpis", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_generic_asset_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["generic_asset_type_id"],
            ["generic_asset_type.id"],
            name=op.f("fk_generic_asset_generic_asset_type_id_generic_asset_type"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_asset_id"],
            ["generic_asset.id"],
            name=op.f("fk_generic_asset_parent_asset_id_generic_asset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generic_asset")),
    )
    with op.batch_alter_table("generic_asset", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_generic_asset_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_generic_asset_generic_asset_type_id"),
            ["generic_asset_type_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_generic_asset_parent_asset_id"), ["parent_asset_id"], unique=False
        )

    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=255), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("token_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_user_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("email", name=op.f("uq_user_email")),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_account_id"), ["account_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_datetime", sa.DateTime(), nullable=False),
        sa.Column("event", sa.String(length=1000), nullable=False),
        sa.Column("active_user_id", sa.Integer(), nullable=True),
        sa.Column("active_user_name", sa.String(length=255), nullable=True),
        sa.Column("affected_user_id", sa.Integer(), nullable=True),
        sa.Column("affected_account_id", sa.Integer(), nullable=True),
        sa.Column("affected_asset_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["active_user_id"],
            ["user.id"],
            name=op.f("fk_audit_log_active_user_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["affected_account_id"],
            ["account.id"],
            name=op.f("fk_audit_log_affected_account_id_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["affected_user_id"],
            ["user.id"],
            name=op.f("fk_audit_log_affected_user_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_log_affected_account_id"), ["affected_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_log_affected_asset_id"), ["affected_asset_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_log_affected_user_id"), ["affected_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_log_event_datetime"), ["event_datetime"], unique=False
        )

    op.create_table(
        "data_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=True),
        sa.Column("version", sa.String(length=40), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_data_source_account_id_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_data_source_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_source")),
    )
    with op.batch_alter_table("data_source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_source_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_source_user_id"), ["user_id"], unique=False)

    op.create_table(
        "roles_users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["role.id"], name=op.f("fk_roles_users_role_id_role"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_roles_users_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name=op.f("pk_roles_users")),
    )
    op.create_table(
        "sensor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("unit", sa.String(length=80), nullable=False),
        sa.Column("event_resolution_s", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=80), nullable=False),
        sa.Column("knowledge_horizon", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("generic_asset_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["generic_asset_id"],
            ["generic_asset.id"],
            name=op.f("fk_sensor_generic_asset_id_generic_asset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensor")),
    )
    with op.batch_alter_table("sensor", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sensor_generic_asset_id"), ["generic_asset_id"], unique=False
        )

    op.create_table(
        "belief",
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("event_start_us", sa.BigInteger(), nullable=False),
        sa.Column("belief_time_us", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("cumulative_probability", sa.Float(), nullable=False),
        sa.Column("belief_horizon_us", sa.BigInteger(), nullable=False),
        sa.Column("event_value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sensor_id"],
            ["sensor.id"],
            name=op.f("fk_belief_sensor_id_sensor"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["data_source.id"],
            name=op.f("fk_belief_source_id_data_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "sensor_id",
            "event_start_us",
            "belief_time_us",
            "source_id",
            "cumulative_probability",
            name=op.f("pk_belief"),
        ),
    )
    with op.batch_alter_table("belief", schema=None) as batch_op:
        batch_op.create_index("ix_belief_source_id", ["source_id"], unique=False)

    _seed_reference_data()


def _seed_reference_data() -> None:
    """The fixed vocabularies: user roles, account roles and the common asset types."""
    roles = sa.table("role", sa.column("name", sa.String), sa.column("description", sa.String))
    op.bulk_insert(
        roles,
        [
            {"name": "admin", "description": "may do everything"},
            {"name": "admin-reader", "description": "may read everything"},
            {
                "name": "account-admin",
                "description": "manages users and assets of their own account",
            },
            {"name": "consultant", "description": "reads the accounts their account consults for"},
        ],
    )
    account_roles = sa.table(
        "account_role", sa.column("name", sa.String), sa.column("description", sa.String)
    )
    op.bulk_insert(
        account_roles,
        [
            {"name": "Prosumer", "description": "owns assets"},
            {"name": "Supplier", "description": "energy retailer"},
            {"name": "MDC", "description": "meter data company"},
            {"name": "DSO", "description": "distribution system operator"},
            {"name": "Aggregator", "description": "trades flexibility of many assets"},
            {"name": "ESCo", "description": "energy service company"},
            {"name": "Consultancy", "description": "consults for other accounts"},
        ],
    )
    asset_types = sa.table(
        "generic_asset_type", sa.column("name", sa.String), sa.column("description", sa.String)
    )
    op.bulk_insert(
        asset_types,
        [
            {"name": "solar", "description": "solar panel(s)"},
            {"name": "wind", "description": "wind turbine(s)"},
            {"name": "battery", "description": "stationary battery"},
            {
                "name": "building",
                "description": "building (a site with devices behind one connection)",
            },
            {"name": "one-way_evse", "description": "EV charger (charging only)"},
            {"name": "two-way_evse", "description": "EV charger (bidirectional)"},
            {"name": "heat-pump", "description": "heat pump"},
            {"name": "process", "description": "industrial process"},
            {"name": "load", "description": "inflexible load"},
            {"name": "weather station", "description": "weather station"},
            {"name": "market", "description": "energy market (holds price sensors)"},
            {"name": "substation", "description": "electricity substation"},
            {"name": "circuit", "description": "electricity circuit"},
            {"name": "transformer", "description": "power transformer"},
            {
                "name": "grid zone",
                "description": "electricity grid zone (bidding zone, country or region)",
            },
        ],
    )


def downgrade() -> None:

    with op.batch_alter_table("belief", schema=None) as batch_op:
        batch_op.drop_index("ix_belief_source_id")

    op.drop_table("belief")
    with op.batch_alter_table("sensor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sensor_generic_asset_id"))

    op.drop_table("sensor")
    op.drop_table("roles_users")
    with op.batch_alter_table("data_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_source_user_id"))
        batch_op.drop_index(batch_op.f("ix_data_source_account_id"))

    op.drop_table("data_source")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_event_datetime"))
        batch_op.drop_index(batch_op.f("ix_audit_log_affected_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_affected_asset_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_affected_account_id"))

    op.drop_table("audit_log")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_id"))

    op.drop_table("user")
    with op.batch_alter_table("generic_asset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_generic_asset_parent_asset_id"))
        batch_op.drop_index(batch_op.f("ix_generic_asset_generic_asset_type_id"))
        batch_op.drop_index(batch_op.f("ix_generic_asset_account_id"))

    op.drop_table("generic_asset")
    op.drop_table("account_roles_accounts")
    op.drop_table("role")
    op.drop_table("generic_asset_type")
    op.drop_table("account_role")
    op.drop_table("account")

"""The ORM models, one module per aggregate. Import from here."""

from gridflex.store.models.accounts import Account, AccountRole
from gridflex.store.models.assets import Asset, AssetType
from gridflex.store.models.audit import AuditLog
from gridflex.store.models.beliefs import Belief
from gridflex.store.models.heatmap import HeatmapDataset
from gridflex.store.models.jobs import Job
from gridflex.store.models.login_failures import LoginFailure
from gridflex.store.models.sensors import Sensor
from gridflex.store.models.sources import DataSource
from gridflex.store.models.users import Role, User
from gridflex.store.models.write_marks import WriteMark

__all__ = [
    "Account",
    "AccountRole",
    "Asset",
    "AssetType",
    "AuditLog",
    "Belief",
    "DataSource",
    "HeatmapDataset",
    "Job",
    "LoginFailure",
    "Role",
    "Sensor",
    "User",
    "WriteMark",
]

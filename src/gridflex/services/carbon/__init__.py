"""The carbon-intensity services: zones, power data, traced results and forecasts in the belief store.

Load from the store, call the carbon and forecasting engines, write back;
shared by the ``/v3`` routes, the ``gridflex carbon`` commands and jobs.

Modules
-------
- ``naming``: how zones, their sensors and the data sources are named
- ``registry``: zones (shipped and imported) with their sensors and links
- ``ingest``: GeoJSON zones and CSV power data in
- ``compute``: ``recompute(session, zone_ids, start, end) -> int``, the tracing service
- ``freshness``: lazy recomputation of what changed since it was computed
- ``readings``, ``breakdown``: measured results as the API shapes them
- ``signals``: energy shares, loads, day-ahead prices and the Home Assistant answer
- ``periods``: temporal granularity (UTC periods and their means)
- ``forecasts``, ``marginal``: forecasts, the marginal estimate, the best window
- ``answers``: the ``/v3`` routes' answers (zone lookup, access, the in-memory hot path)
- ``access``: per-account limits on zones and routes
- ``cache``, ``state``: the bounded caches of a server (injectable clock)
- ``store``: sensor helpers (the SQL is in ``gridflex.store.queries.carbon``)
"""

from gridflex.services.carbon.access import ROUTES, Access, access_of, clear_access, set_access
from gridflex.services.carbon.compute import recompute
from gridflex.services.carbon.ingest import (
    ImportReport,
    import_power,
    import_zones,
    read_exchanges_csv,
    read_production_csv,
)
from gridflex.services.carbon.registry import Registry, load_registry
from gridflex.services.carbon.state import CarbonState

__all__ = [
    "ROUTES",
    "Access",
    "CarbonState",
    "ImportReport",
    "Registry",
    "access_of",
    "clear_access",
    "import_power",
    "import_zones",
    "load_registry",
    "read_exchanges_csv",
    "read_production_csv",
    "recompute",
    "set_access",
]

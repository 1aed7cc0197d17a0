"""The web UI: server-rendered pages on the API's app, over the same services.

``install(app)`` adds the pages, the package's own static files (``/ui/static``)
and the browser libraries that ``npm ci`` installed (``/ui/vendor``). Without
those libraries (e.g. gridflex installed with plain pip) the pages still answer;
the maps say how to install them.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gridflex.ui import (
    pages_admin,
    pages_assets,
    pages_auth,
    pages_carbon,
    pages_heatmap,
    pages_jobs,
    pages_sensors,
)
from gridflex.ui.web import HERE, VENDOR_PACKAGES, find_vendor_dir


def install(app: FastAPI) -> None:
    settings = app.state.settings
    vendor = find_vendor_dir(settings)
    app.state.ui_vendor_dir = vendor
    for module in (
        pages_auth,
        pages_assets,
        pages_sensors,
        pages_jobs,
        pages_admin,
        pages_heatmap,
        pages_carbon,
    ):
        app.include_router(module.router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")
    if vendor is not None:
        for name, folder in VENDOR_PACKAGES.items():
            app.mount(f"/ui/vendor/{name}", StaticFiles(directory=vendor / folder), name=name)

"""(to be filled)"""

from fastapi import APIRouter

from gridflex.ui.web import UiRoute

router = APIRouter(route_class=UiRoute, include_in_schema=False)

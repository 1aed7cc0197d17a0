"""Meter data and prognoses of connections: getMeterData, postMeterData, getPrognosis, postPrognosis.

Power is in MW, consumption positive and production negative. Posted values are
fanned out to every connection of their group; read values are summed per group.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Request

from gridflex.api.deps import SessionDep, SettingsDep
from gridflex.api.responses import JSON
from gridflex.api.routers.v1_1.messages import (
    Message,
    answer,
    authorised,
    body_doc,
    expect,
    period,
    processed,
)
from gridflex.services.legacy import data
from gridflex.services.legacy.messages import Group, parse_groups

router = APIRouter(prefix="/api/v1_1", tags=["v1_1 (legacy)"])
_POWER = {
    "groups": [
        {"connections": ["CS 1", "CS 3"], "values": [306.66, 306.66, 0, 0, 306.66, 306.66]},
        {"connections": ["CS 2"], "values": [306.66, 0, 0, 0, 306.66, 306.66]},
    ],
    "start": "2015-01-01T00:00:00Z",
    "duration": "PT1H30M",
    "unit": "MW",
}


def _post(
    request: Request, session: SessionDep, settings: SettingsDep, message: Message, name: str
) -> JSON:
    service = name[0].lower() + name[1:]

    def work() -> dict:
        user = authorised(session, settings, request, service)
        groups = parse_groups(
            expect(message, f"{name}Request"), entity="connection", with_values=True
        )
        result = data.post_power(
            session, user, groups, host=settings.entity_host, meter_data=name == "PostMeterData"
        )
        return processed(result)

    return answer(session, name, work)


def _get(
    request: Request, session: SessionDep, settings: SettingsDep, message: Message, name: str
) -> JSON:
    service = name[0].lower() + name[1:]

    def work() -> dict:
        user = authorised(session, settings, request, service)
        groups = parse_groups(
            expect(message, f"{name}Request"), entity="connection", with_values=False
        )
        return shape_answer(
            groups, data.read_power(session, user, groups, host=settings.entity_host)
        )

    return answer(session, name, work)


def shape_answer(groups: list[Group], values: list[np.ndarray]) -> dict[str, Any]:
    """One group answers flat (as seed 001 prints it); several answer as ``groups``.

    Timing and unit stand at the message level when all groups share them.
    """
    timing = [{**period(*g.required_period()), "unit": data.POWER_UNIT} for g in groups]
    labelled = [
        {
            **(
                {"connection": g.entities[0]}
                if len(g.entities) == 1
                else {"connections": g.entities}
            ),
            "values": v,
        }
        for g, v in zip(groups, values, strict=True)
    ]
    if len(groups) == 1:
        return {**labelled[0], **timing[0]}
    if all(t == timing[0] for t in timing):
        return {"groups": labelled, **timing[0]}
    return {"groups": [{**g, **t} for g, t in zip(labelled, timing, strict=True)]}


@router.get("/getMeterData", summary="Download meter data from the platform")
def read_meter_data(
    request: Request, session: SessionDep, settings: SettingsDep, message: Message
) -> JSON:
    """The most recent beliefs per event (optional ``horizon``, ``prior``, ``sources``, ``resolution``)."""
    return _get(request, session, settings, message, "GetMeterData")


@router.post(
    "/postMeterData",
    summary="Upload meter data to the platform",
    openapi_extra=body_doc({"type": "PostMeterDataRequest", **_POWER}),
)
def create_meter_data(
    request: Request, session: SessionDep, settings: SettingsDep, message: Message
) -> JSON:
    """For MDC accounts; the horizon (if any) must be zero or negative: meter data are known after the fact."""
    return _post(request, session, settings, message, "PostMeterData")


@router.get("/getPrognosis", summary="Download prognosis from the platform")
def read_prognosis(
    request: Request, session: SessionDep, settings: SettingsDep, message: Message
) -> JSON:
    """Like getMeterData; typically with a ``horizon`` such as ``PT6H`` to keep prognoses only."""
    return _get(request, session, settings, message, "GetPrognosis")


@router.post(
    "/postPrognosis",
    summary="Upload prognosis to the platform",
    openapi_extra=body_doc({"type": "PostPrognosisRequest", **_POWER, "horizon": "PT7H30M"}),
)
def create_prognosis(
    request: Request, session: SessionDep, settings: SettingsDep, message: Message
) -> JSON:
    """Belief times from ``prior`` and/or ``horizon`` (seed 003); without either, the arrival time."""
    return _post(request, session, settings, message, "PostPrognosis")

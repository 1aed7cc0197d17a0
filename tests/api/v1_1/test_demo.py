"""The demo world's v1_1 part: seed 001's examples work on it as printed; building it twice adds nothing."""

from __future__ import annotations

import sqlalchemy as sa

from gridflex.demo import legacy, world
from gridflex.security import issue_token
from gridflex.services import accounts
from gridflex.store.base import session_scope
from gridflex.store.models import Asset, Sensor, User
from tests.api.v1_1 import seed_examples as ex
from tests.api.v1_1.helpers import as_printed, send
from tests.conftest import Actor


def _actor(settings, email: str) -> Actor:
    with session_scope(settings.database_url) as session:
        user = session.scalars(sa.select(User).where(User.email == email)).one()
        token = issue_token(user.id, user.token_key, secret_key=settings.secret_key, max_age_s=3600)
        return Actor(user.id, user.account_id, email, "", {"Authorization": token})


def test_seed_examples_work_on_the_demo_world(client, settings):
    with session_scope(settings.database_url) as session:
        report = world.build(session, days=1)
        first = legacy.build(session, report)
        again = legacy.build(session, report)
        assert "CS 1-3" in first and "already present" in again
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(Asset).where(Asset.name == "CS 1")
            )
            == 1
        )
        # A second run reports the demo's own sensors, not those other accounts hold by the
        # same name (legacy.build just added CS 1-3 sensors to the demo account).
        other = world._asset(
            session,
            "Another site",
            "building",
            accounts.create_account(session, name="Neighbours", roles=["Prosumer"]).id,
        )
        world._sensor(session, other.id, "battery power", "MW")
        assert (
            world.build(session, days=1).sensors["battery power"] == report.sensors["battery power"]
        )
        prices = session.get(Sensor, report.sensors["day-ahead prices"])
        assert prices.attributes["market_id"] == "epex_da"
    admin = _actor(settings, world.ADMIN_EMAIL)  # member of the MDC account, and admin
    user = _actor(settings, world.USER_EMAIL)  # member of the Prosumer account that owns CS 1-3
    for endpoint, request, response in (
        ("postMeterData", ex.POST_METER_DATA_REQUEST, ex.POST_METER_DATA_RESPONSE),
        ("postPrognosis", ex.POST_PROGNOSIS_REQUEST, ex.POST_PROGNOSIS_RESPONSE),
        ("postPriceData", ex.POST_PRICE_DATA_REQUEST, ex.POST_PRICE_DATA_RESPONSE),
        ("postWeatherData", ex.POST_WEATHER_DATA_REQUEST, ex.POST_WEATHER_DATA_RESPONSE),
    ):
        res = send(client, "POST", endpoint, request, admin)
        assert res.status_code == 200, (endpoint, res.text)
        assert res.json() == as_printed(response)
    assert send(
        client, "GET", "getMeterData", ex.GET_METER_DATA_REQUEST, user
    ).json() == as_printed(ex.GET_METER_DATA_RESPONSE)
    names = send(client, "GET", "getConnection", ex.GET_CONNECTION_REQUEST, user).json()["names"]
    assert names[:3] == ["CS 3", "CS 2", "CS 1"]
    # The demo user's account is a Prosumer: meter data are the MDC's to post.
    assert (
        send(client, "POST", "postMeterData", ex.POST_METER_DATA_REQUEST, user).status_code == 403
    )

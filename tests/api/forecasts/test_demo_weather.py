"""The demo's temperature forecast: the future regressor of the README's forecasting example."""

from __future__ import annotations

import sqlalchemy as sa

from gridflex.demo import weather, world
from gridflex.security import issue_token
from gridflex.store.base import session_scope
from gridflex.store.models import Belief, DataSource, User
from gridflex.timing import utcnow
from tests.api.forecasts.helpers import Site, fetch, trigger

HOUR_US = 3_600_000_000


def test_demo_temperature_forecast_covers_48_hours_and_serves_as_future_regressor(client, settings):
    built_us = int(utcnow().timestamp() * 1e6)
    with session_scope(settings.database_url) as session:
        report = world.build(session, days=3)
        first = weather.build(session, report)
        again = weather.build(session, report)
        temperature = report.sensors["temperature"]
        rows = session.execute(
            sa.select(Belief.event_start_us, Belief.belief_time_us, DataSource.type)
            .join(DataSource, DataSource.id == Belief.source_id)
            .where(Belief.sensor_id == temperature)
            .order_by(Belief.event_start_us)
        ).all()
        user = session.scalars(sa.select(User).where(User.email == world.USER_EMAIL)).one()
        token = issue_token(user.id, user.token_key, secret_key=settings.secret_key, max_age_s=600)
    assert "48 h" in first and "already" in again
    forecast = [r for r in rows if r.type == "forecaster"]
    measured_end = max(r.event_start_us for r in rows if r.type != "forecaster")
    assert len(forecast) == 48 * 4  # once, however often the part is built
    assert forecast[0].event_start_us > measured_end
    assert forecast[-1].event_start_us - forecast[0].event_start_us == (48 * 4 - 1) * HOUR_US // 4
    # Believed when the demo was built: usable by a forecast made now, not by one of the past.
    assert {r.belief_time_us for r in forecast} == {forecast[0].belief_time_us}
    assert built_us <= forecast[0].belief_time_us <= int(utcnow().timestamp() * 1e6)
    site = Site(report.sensors["site consumption"], 0, report.account_id, {"Authorization": token})
    forecast_id = trigger(
        client,
        site,
        duration="PT24H",
        config={"train-period": "P3D", "future-regressors": [temperature]},
    )
    res = fetch(client, site, forecast_id)
    assert res.status_code == 200, res.text
    assert len(res.json()["values"]) == 24 * 4

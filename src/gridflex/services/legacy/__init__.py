"""The legacy v1_1 message API (seeds 001 and 003) on top of the one belief store.

Modules: ``messages`` (keys, groups, time-series notations, belief timing),
``addressing`` (EA1 addresses -> sensors), ``data`` (post and read series through
``services.beliefs``), ``roles`` (service listing, USEF role checks) and ``errors``
(v1 status strings).

How v1 entities map onto assets and sensors
-------------------------------------------
- **Connection** = an asset owned by an account, represented by one power sensor
  (a unit convertible to W): the asset's power sensor flagged with the attribute
  ``connection_sensor: true``; else the one named ``power``; else its only power
  sensor. An asset without such a single sensor is no connection. Its
  address is ``ea1.<YYYY-MM of that sensor's creation>.<reversed entity host>:<account
  id>:<asset id>``; its name is the asset attribute ``connection_name`` if set,
  else the asset's name. A v3_0 sensor address (``...:fm1.<sensor id>``) of a
  power sensor is a connection too. getConnection lists the connections of the
  accounts the user can read (own account; consulted accounts for consultants;
  all accounts for admins and admin-readers), newest (highest asset id) first.
- **Market** (``...:epex_da``) = the readable sensor whose attribute ``market_id``
  equals the market id; else the only price sensor (a ``<currency>/<energy>``
  unit) of the asset whose attribute ``market_id`` equals it.
- **Weather sensor** (``<type>:<lat>:<lon>``, type ``temperature``, ``irradiance``
  or ``wind speed``) = among sensors of assets of type "weather station" whose
  name (or attribute ``weather_sensor_type``) is that type, the nearest
  (great-circle distance) readable one; it must lie within ``max_distance_km``
  (default 10 km, see ``addressing.DEFAULT_MAX_WEATHER_DISTANCE_KM``), else
  UNRECOGNIZED_SENSOR names the nearest one.

Reading and writing follow ``gridflex.permissions``: a connection, market or
weather sensor the user cannot read is "not recognised"; one they can read but
not update is refused with INVALID_SENDER (403). Public markets and weather
stations are therefore written by admins (or by the members of an account that
owns its own market or station).

Timing
------
POST: ``prior`` and ``horizon`` set belief times as seed 003 says (through
``services.beliefs.post_series``): neither -> the arrival time; ``prior`` -> that
moment; ``horizon`` -> each event's knowledge time (its end, for measured
quantities) minus the horizon, ``R/PT6H`` being the same as ``PT6H``; both -> the
earlier of the two, per event. Meter data must have a horizon of zero or less.
GET: ``horizon`` keeps beliefs recorded at least that long before knowledge time
(negative: at most that long after), ``prior`` those recorded at or before it,
``sources`` those of the given users (ids), USEF roles or source names.
"""

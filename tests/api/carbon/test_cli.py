"""``gridflex carbon``: imports that refuse bad input whole, recompute on demand, the zone list."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from gridflex.store.base import get_engine
from tests.api.carbon.conftest import hour, production_csv, square, zones_geojson


def _beliefs(db: str) -> int:
    with get_engine(db).connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM belief")).scalar_one()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("datetime,zone,type,mw\n2024-03-01T00:00:00,A,coal,1\n", "offset"),
        ("datetime,zone,type,mw\n2024-03-01T00:00:00Z,A,lignite,1\n", "lignite"),
        ("datetime,zone,type,mw\n2024-03-01T00:00:00Z,A,coal,-1\n", ">= 0"),
        ("datetime,zone,type,mw\n2024-03-01T00:00:00Z,A,coal,lots\n", "lots"),
        ("datetime,zone,type\n2024-03-01T00:00:00Z,A,coal\n", "mw"),
        ("datetime,zone,type,mw\n2024-03-01T00:00:00Z,NOWHERE,coal,1\n", "NOWHERE"),
        (
            "datetime,zone,type,mw\n2024-03-01T00:00:00Z,A,coal,1\n2024-03-01T00:00:00Z,A,coal,2\n",
            "lines 5, 6",
        ),  # after the header and three good rows
    ],
)
def test_bad_production_rows_are_refused_whole(cli, files, db, text, problem):
    cli("carbon", "import-zones", files("zones.geojson", json.dumps(zones_geojson())))
    good = "".join(f"{hour(h)},B,wind,10\n" for h in range(3))
    lines = text.splitlines(keepends=True)
    path = files("production.csv", lines[0] + good + "".join(lines[1:]))
    result = cli("carbon", "import", "--production", path, ok=False)
    assert result.exit_code == 1
    assert problem in " ".join(result.output.split())  # the console wraps long lines
    assert _beliefs(db) == 0  # the good rows were not stored either


def test_exchanges_need_known_and_different_zones(cli, files, db):
    cli("carbon", "import-zones", files("zones.geojson", json.dumps(zones_geojson())))
    for row, problem in (("A,A,5", "same zone"), ("A,ATLANTIS,5", "ATLANTIS")):
        path = files("exchanges.csv", f"datetime,from_zone,to_zone,mw\n{hour(0)},{row}\n")
        result = cli("carbon", "import", "--exchanges", path, ok=False)
        assert result.exit_code == 1 and problem in result.output
    assert _beliefs(db) == 0


def test_zone_files_are_checked_feature_by_feature(cli, files):
    broken = zones_geojson()
    del broken["features"][1]["properties"]["zoneName"]
    result = cli("carbon", "import-zones", files("zones.geojson", json.dumps(broken)), ok=False)
    assert result.exit_code == 1 and "features[1].properties.zoneName" in result.output
    orphan = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"zoneId": "X-1", "zoneName": "X", "parentZoneId": "NOPE"},
                "geometry": square(10.0),
            }
        ],
    }
    result = cli("carbon", "import-zones", files("orphan.geojson", json.dumps(orphan)), ok=False)
    assert result.exit_code == 1 and "NOPE" in result.output


def test_shipped_zones_take_data_without_an_import_of_their_shape(client, reader, cli, files):
    rows = [(hour(h), "DE", "wind", 30.0) for h in range(2)] + [
        (hour(h), "DE", "gas", 10.0) for h in range(2)
    ]
    cli("carbon", "import", "--production", files("de.csv", production_csv(rows)))
    # A point in Germany finds the shipped shape; 30 MW wind and 10 MW gas by hand: (30*11 + 10*490)/40.
    answer = client.get(
        "/v3/carbon-intensity/latest", params={"lat": 52.52, "lon": 13.40}, headers=reader
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        **answer.json(),
        "zone": "DE",
        "carbonIntensity": round((30 * 11 + 10 * 490) / 40),
    }


def test_sub_national_zones_with_a_parent_win_over_the_country(client, reader, cli, files):
    zone = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "zoneId": "DE-BER",
                    "zoneName": "Berlin",
                    "countryName": "Germany",
                    "parentZoneId": "DE",
                },
                "geometry": square(13.0, 52.3, 0.5),
            }
        ],
    }
    cli("carbon", "import-zones", files("berlin.geojson", json.dumps(zone)))
    cli(
        "carbon",
        "import",
        "--production",
        files("ber.csv", production_csv([(hour(0), "DE-BER", "solar", 5.0)])),
    )
    answer = client.get(
        "/v3/carbon-intensity/latest", params={"lat": 52.52, "lon": 13.40}, headers=reader
    )
    assert answer.json()["zone"] == "DE-BER" and answer.json()["carbonIntensity"] == 45
    listed = client.get("/v3/zones").json()["DE-BER"]
    assert listed == {"zoneName": "Berlin", "countryName": "Germany"}


def test_zone_emission_factors_override_the_defaults_and_retrace(
    client, reader, cli, files, three_zones
):
    # Zone A's coal at 1000 instead of 820: B = (50*1000 + 100*11)/150 = 340.67.
    cli(
        "carbon",
        "import-zones",
        files(
            "zones2.geojson",
            json.dumps(zones_geojson(A={"emissionFactors": {"lifecycle": {"coal": 1000}}})),
        ),
    )
    assert (
        client.get("/v3/carbon-intensity/latest", params={"zone": "A"}, headers=reader).json()[
            "carbonIntensity"
        ]
        == 1000
    )
    assert client.get("/v3/carbon-intensity/latest", params={"zone": "B"}, headers=reader).json()[
        "carbonIntensity"
    ] == round((50 * 1000 + 100 * 11) / 150)


def test_compute_and_zones_commands(cli, three_zones, db):
    before = _beliefs(db)
    assert "0 changed values" in cli("carbon", "compute").output  # nothing changed since the import
    assert (
        "0 changed values"
        in cli("carbon", "compute", "--zone", "B", "--start", hour(0), "--end", hour(2)).output
    )
    assert _beliefs(db) == before
    listing = cli("carbon", "zones").output
    assert "Zone A" in listing and "A, C" in listing  # B is linked to A and C
    assert cli("carbon", "compute", "--zone", "NOWHERE", ok=False).exit_code == 1


def test_finer_data_are_imported_at_their_resolution(client, reader, cli, files):
    quarter = [
        (f"2024-03-01T00:{m:02d}:00+00:00", "FR", "nuclear", 60.0 + m) for m in (0, 15, 30, 45)
    ]
    cli("carbon", "import", "--production", files("fr.csv", production_csv(quarter)))
    history = client.get(
        "/v3/carbon-intensity/history", params={"zone": "FR"}, headers=reader
    ).json()
    assert [h["datetime"][11:16] for h in history["history"]] == [
        "00:00",
        "00:15",
        "00:30",
        "00:45",
    ]
    breakdown = client.get(
        "/v3/power-breakdown/past",
        params={"zone": "FR", "datetime": "2024-03-01T00:20:00Z"},
        headers=reader,
    ).json()
    assert breakdown["datetime"] == "2024-03-01T00:00:00.000Z"  # the hour, aggregated
    assert breakdown["powerProductionBreakdown"]["nuclear"] == int(
        (60 + 75 + 90 + 105) / 4 + 0.5
    )  # 82.5, halves up

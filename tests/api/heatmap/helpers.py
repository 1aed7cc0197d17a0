"""Datasets and networks for the heatmap API tests, written out by hand or generated."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

SEED_EXAMPLE = (
    Path(__file__).resolve().parents[2] / "engines" / "data" / "heatmap_seed_example.json"
)
UPLOAD = "/heatmap/upload"


def seed_example() -> dict[str, Any]:
    """The example answer of seed 000, exactly as the seed shows it."""
    return json.loads(SEED_EXAMPLE.read_text())


def complete_dataset(identifier: str = "c91a4b42-4b21-476d-9c6f-5201a1324b2b") -> dict[str, Any]:
    """The seed's example made consistent, with every one of its fields kept.

    The example itself breaks the specification's rules (it names a GSP, BSP and
    Primary that it does not hold, counts projects in two buckets, has a
    one-point line); here those are fixed by adding the stations it names and
    choosing consistent numbers, so that it can be published.
    """
    data = seed_example()
    data["identifier"] = identifier
    data["valid"][1] = "2100-01-01T00:00:00.000+0000"  # valid now, for GET /heatmap
    osprey = data["Substations"][0]
    osprey.update(GSP="GSP-1", BSP="BSP-1")
    del osprey["Primary"]  # a Primary has none above it: the Secondary below names it
    osprey["description"] = "Osprey primary substation"
    osprey["embeddedCapacityRegister"] = "https://example.org/ecr/OSPE"
    osprey["demandConnectedCapacity"] = 200  # >= 157.58 (demand) + 21.3 (storage)
    for project in osprey["Demands"] + osprey["Storage"]:
        project["demandQuotedCapacity"] = 0  # an individual project sits in one bucket
        project["mRID"] = f"{project['name']}-1"
    for project in osprey["Generators"] + osprey["Storage"]:
        project["generationQuotedCapacity"] = 0
    osprey["Transformers"][0]["mRID"] = "T1"
    osprey["Curtailments"][0]["technologyType"] = "PV"
    for project in osprey["Demands"]:
        project["technologyType"] = "EV charging"
    gsp = _station("GSP-1", "GSP", [132, 33], 51.80, -1.30)
    bsp = _station("BSP-1", "BSP", [33, 11], 51.77, -1.28, GSP="GSP-1")
    secondary = _station(
        "OSPREY-S1", "Secondary", [11, 0.4], 51.75, -1.27, GSP="GSP-1", Primary=osprey["mRID"]
    )
    data["Substations"] = [gsp, bsp, osprey, secondary]
    circuit = data["Circuits"][0]
    circuit["FromSubstation"] = osprey["mRID"]
    circuit["ToSubstation"] = ["BSP-1"]
    circuit["description"] = "11 kV feeder"
    circuit["Geometry"]["Lines"][0]["Coordinates"].append({"latitude": 56.401, "longitude": -3.44})
    return data


def _station(name: str, kind: str, voltages: list[float], lat: float, lon: float, **refs: str):
    return station(name, kind, lat, lon, voltages=voltages, **refs)


def station(name: str, kind: str, lat: float, lon: float, **fields: Any) -> dict[str, Any]:
    """A complete (published) substation record; ``fields`` override the defaults."""
    return {
        "name": name,
        "type": kind,
        "area": "Southern England",
        "voltages": [33, 11],
        "longitude": lon,
        "latitude": lat,
        "demandFirmCapacity": 120,
        "demandAvailableCapacity": 40,
        "demandConstraint": "Green",
        "demandConstraintLimitingFactor": "Thermal",
        "generationFirmCapacity": 60,
        "generationAvailableCapacity": 10,
        "generationConstraint": "Green",
        "generationConstraintLimitingFactor": "Thermal",
        "reversePowerFlowTotalCapacity": 30,
        "reversePowerFlowAvailableCapacity": 5,
        "mRID": name,
        **fields,
    }


def metadata(identifier: str = "test-dataset", **fields: Any) -> dict[str, Any]:
    """Dublin Core fields of a dataset valid through 2024 (and now, in a test on a long run)."""
    return {
        "contributor": "Test",
        "coverage": "Test land",
        "creator": "Test DSO",
        "date": "2024-01-01T00:00:00.000+0000",
        "description": "A test dataset",
        "format": "application/json",
        "identifier": identifier,
        "issued": "2023-12-01T00:00:00.000+0000",
        "language": "en",
        "publisher": "Test DSO",
        "rights": "https://example.org/licence",
        "title": "Test heatmap",
        "valid": ["2024-01-01T00:00:00.000+0000", "2100-01-01T00:00:00.000+0000"],
        **fields,
    }


def registry_only(dataset: dict[str, Any]) -> dict[str, Any]:
    """The substations and circuits of a dataset without metadata or computed figures."""
    computed = {
        "demandFirmCapacity",
        "demandAvailableCapacity",
        "demandConstraint",
        "demandConstraintLimitingFactor",
        "generationFirmCapacity",
        "generationAvailableCapacity",
        "generationConstraint",
        "generationConstraintLimitingFactor",
        "reversePowerFlowTotalCapacity",
        "reversePowerFlowAvailableCapacity",
    }
    out = {"Substations": [], "Circuits": copy.deepcopy(dataset.get("Circuits", []))}
    for s in dataset["Substations"]:
        out["Substations"].append({k: v for k, v in s.items() if k not in computed})
    for c in out["Circuits"]:
        c.pop("demandConstraint", None)
    return out


def transformer(name: str, high: float, low: float, summer: float, winter: float) -> dict:
    return {
        "name": name,
        "voltages": [high, low],
        "Ratings": [
            {
                "name": "ONAN",
                "summerRating": summer,
                "winterRating": winter,
                "fromVoltage": high,
                "toVoltage": low,
            }
        ],
    }


def substation(name: str, kind: str, lat: float, lon: float, **fields: Any) -> dict[str, Any]:
    """A registry record: no computed figures."""
    voltages = {"GSP": [132, 33], "BSP": [33, 11], "Primary": [33, 11], "Secondary": [11, 0.4]}
    return {
        "name": name,
        "type": kind,
        "area": "North",
        "voltages": voltages[kind],
        "longitude": lon,
        "latitude": lat,
        "mRID": name,
        **fields,
    }


def zip_of(tables: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in tables.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def unzip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def demand_profile(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """Half-hourly demand with a daily and a yearly cycle and noise [MW or MVA]."""
    t = np.arange(n)
    daily = 0.25 * np.sin(2 * np.pi * (t % 48) / 48 - 1.8)
    yearly = 0.2 * np.cos(2 * np.pi * t / (365 * 48))
    return scale * (0.6 + daily + yearly + 0.05 * rng.standard_normal(n))


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def upload_json(client: Any, headers: dict[str, str], data: dict[str, Any], **params: Any):
    """POST a dataset (or registry records) in the seed's JSON shape to the import endpoint."""
    return client.post(
        UPLOAD,
        content=json.dumps(data),
        params=params,
        headers={**headers, "Content-Type": "application/json"},
    )


def published(client: Any, headers: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    """Import and publish a complete dataset as is; the import answer."""
    res = upload_json(client, headers, data, publish="true")
    assert res.status_code == 200, res.text
    return res.json()


def with_validity(data: dict[str, Any], identifier: str, start: str, end: str, issued: str):
    out = copy.deepcopy(data)
    out.update(identifier=identifier, date=start, valid=[start, end], issued=issued)
    return out

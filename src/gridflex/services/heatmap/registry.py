"""The network registry: a DSO account's substations, transformers and circuits, as assets.

Every substation, transformer and circuit is an asset (types ``substation``,
``transformer``, ``circuit``) owned by the DSO's account:

- ``attributes["heatmap"]`` holds its registry record: the engine's record in the
  seed's JSON shape (`gridflex.engines.heatmap.to_dict`), so that nothing of an
  imported record is lost (unknown fields included); a substation's record leaves
  out its ``Transformers``, which are assets of their own, children of it;
- ``external_id`` holds its key: the mRID, else the name (the keys the seed's
  ``GSP``/``BSP``/``Primary`` and ``FromSubstation`` references use);
- ``attributes["heatmap_position"]`` keeps the order of the records, so that a
  published dataset lists them in the order they were imported;
- ``parent_asset_id`` mirrors the hierarchy: a substation's parent is the nearest
  station above it (Primary, else BSP, else GSP), a transformer's its substation,
  a circuit's the substation it comes from;
- ``attributes["heatmap_study"]`` (optional, set by the operator) holds results of
  network studies the seed has no field for: ``demand_voltage_headroom_mva`` and
  ``generation_voltage_headroom_mva`` [MVA]. (The switchgear headroom is the
  record's own ``breakerAvailableCapacity``.)

Measured demand lives in sensors of these assets (see `measurements`). Writing
is an upsert by key: records in the file replace the registry's records with the
same key (with their projects and transformers); other records are kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from gridflex import permissions
from gridflex.engines.heatmap import (
    Circuit,
    Dataset,
    Substation,
    Transformer,
    parent_index,
    parse_dataset,
    to_dict,
)
from gridflex.errors import NotFoundError, PermissionDeniedError, ValidationError
from gridflex.services import assets as asset_service
from gridflex.store.models import Account, Asset, User
from gridflex.store.queries import heatmap as queries

RECORD = "heatmap"
POSITION = "heatmap_position"
STUDY = "heatmap_study"
SUBSTATION, TRANSFORMER, CIRCUIT = "substation", "transformer", "circuit"
STUDY_FIELDS = ("demand_voltage_headroom_mva", "generation_voltage_headroom_mva")
DSO = "DSO"


@dataclass
class Registry:
    """The registry assets of one account, in registry order."""

    account: Account
    substations: list[Asset]
    transformers: dict[int, list[Asset]]  # substation asset id -> its transformers
    circuits: list[Asset]

    def dataset(self) -> Dataset:
        """The records as a dataset without metadata (substations and circuits only)."""
        substations = []
        for asset in self.substations:
            record = dict(asset.attributes.get(RECORD) or {})
            children = self.transformers.get(asset.id)
            if children:
                record["Transformers"] = [t.attributes.get(RECORD) or {} for t in children]
            substations.append(record)
        circuits = [dict(a.attributes.get(RECORD) or {}) for a in self.circuits]
        dataset, _ = parse_dataset({"Substations": substations, "Circuits": circuits})
        return dataset

    def study(self) -> dict[str, np.ndarray | None]:
        """Network-study figures per substation (NaN where not assessed; None if none at all)."""
        out: dict[str, np.ndarray | None] = {}
        for name in STUDY_FIELDS:
            values = np.array(
                [_number((a.attributes.get(STUDY) or {}).get(name)) for a in self.substations],
                dtype=np.float64,
            )
            out[name] = None if np.isnan(values).all() else values
        return out


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return float("nan")


def record_key(record: Substation | Circuit | Transformer) -> str:
    """The key a record is known by: its mRID, else its name."""
    return str(record.mrid or record.name or "")


# ---------------------------------------------------------------- accounts


def is_dso(account: Account) -> bool:
    return account.has_role(DSO)


def publishing_account(session: Session, user: User, account_id: int | None = None) -> Account:
    """The DSO account a user imports into and publishes for.

    Members of a DSO account act for it; admins may name another DSO account.
    """
    if account_id is not None and account_id != user.account_id:
        if not user.has_role("admin"):
            raise PermissionDeniedError("Only admins may act for another account.")
        account = session.get(Account, account_id)
        if account is None:
            raise NotFoundError(f"Account {account_id} not found.")
    else:
        account = user.account
    if not is_dso(account):
        raise PermissionDeniedError(
            f"Publishing a heatmap needs a DSO account; account {account.name!r} is not one."
        )
    return account


def dso_account(session: Session, account_id: int | None = None) -> Account:
    """The account named, which must be a DSO, or the only DSO account there is (for the CLI)."""
    if account_id is not None:
        account = session.get(Account, account_id)
        if account is None:
            raise NotFoundError(f"Account {account_id} not found.")
        if not is_dso(account):
            raise ValidationError(
                f"Account {account.name!r} is not a DSO account.", field="account"
            )
        return account
    found = queries.accounts_with_role(session, DSO)
    if len(found) != 1:
        names = ", ".join(f"{a.name} (id {a.id})" for a in found) or "none"
        raise ValidationError(
            f"Name the DSO account with --account; DSO accounts: {names}.", field="account"
        )
    return found[0]


# ---------------------------------------------------------------- reading


def _type_ids(session: Session) -> dict[str, int]:
    ids = queries.asset_type_ids(session, (SUBSTATION, TRANSFORMER, CIRCUIT))
    missing = {SUBSTATION, TRANSFORMER, CIRCUIT} - set(ids)
    if missing:
        raise ValidationError(f"Asset type(s) {sorted(missing)} missing.", field="asset_type")
    return ids


def load(session: Session, account: Account) -> Registry:
    """The account's registry, each list in registry order."""
    types = _type_ids(session)
    by_type: dict[int, list[Asset]] = {type_id: [] for type_id in types.values()}
    for asset in queries.keyed_assets(session, account.id, list(types.values())):
        if RECORD in (asset.attributes or {}):
            by_type[asset.generic_asset_type_id].append(asset)
    order = lambda a: (a.attributes.get(POSITION, 0), a.id)  # noqa: E731
    transformers: dict[int, list[Asset]] = {}
    for asset in sorted(by_type[types[TRANSFORMER]], key=order):
        if asset.parent_asset_id is not None:
            transformers.setdefault(asset.parent_asset_id, []).append(asset)
    return Registry(
        account=account,
        substations=sorted(by_type[types[SUBSTATION]], key=order),
        transformers=transformers,
        circuits=sorted(by_type[types[CIRCUIT]], key=order),
    )


def merged(registry: Dataset, incoming: Dataset) -> Dataset:
    """The registry as it will be after writing ``incoming``: its records first, in its order.

    Putting the incoming records first makes their positions in check messages
    (``Substations[3]``) those of the file.
    """
    new_substations = list(incoming.substations or ())
    new_circuits = list(incoming.circuits or ())
    taken = {record_key(s) for s in new_substations}
    taken_circuits = {record_key(c) for c in new_circuits}
    return dataclasses.replace(
        incoming,
        substations=new_substations
        + [s for s in registry.substations or () if record_key(s) not in taken],
        circuits=new_circuits
        + [c for c in registry.circuits or () if record_key(c) not in taken_circuits],
    )


# ---------------------------------------------------------------- writing


@dataclass
class WriteCounts:
    """How many records of each kind were created, updated or found unchanged."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            kind: {"created": 0, "updated": 0, "unchanged": 0}
            for kind in ("substations", "transformers", "circuits")
        }
    )

    substation_ids: dict[str, int] = field(default_factory=dict)  # key -> asset id
    circuit_ids: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts[kind][outcome] = self.counts[kind].get(outcome, 0) + n


@dataclass
class _Row:
    """An asset to create or to bring up to date, by key."""

    kind: str
    key: str
    record: dict[str, Any]
    name: str
    lat: float | None
    lon: float | None
    parent_id: int | None = None

    @property
    def slot(self) -> Any:
        """What identifies it: its key (a transformer's is unique at its substation only)."""
        return (self.parent_id, self.key) if self.kind == TRANSFORMER else self.key


class _Writer:
    """Upserts by key: changed assets are updated in place, new ones inserted in bulk
    (one INSERT per kind, not one round trip per asset: a file has thousands)."""

    def __init__(self, session: Session, registry: Registry, actor: User | None) -> None:
        self.session = session
        self.registry = registry
        self.account = registry.account
        self.actor = actor
        self.types = _type_ids(session)
        self.result = WriteCounts()
        everything = [*registry.substations, *registry.circuits]
        everything += [t for ts in registry.transformers.values() for t in ts]
        self.next_position = 1 + max((a.attributes.get(POSITION, 0) for a in everything), default=0)

    def upsert(self, rows: Sequence[_Row], existing: dict[Any, Asset]) -> dict[Any, int]:
        """Asset id per slot of ``rows`` (see `_Row.slot`); updates the existing assets,
        inserts the others."""
        ids: dict[Any, int] = {}
        new = []
        for row in rows:
            asset = existing.get(row.slot)
            if asset is None:
                new.append(row)
                continue
            self._update(asset, row)
            ids[row.slot] = asset.id
        inserted = queries.insert_assets(self.session, [self._fields(row) for row in new])
        by_slot = {
            (parent, key) if new and new[0].kind == TRANSFORMER else key: asset_id
            for asset_id, key, parent in inserted
        }
        ids.update(by_slot)
        if new:
            self.result.add(_plural(new[0].kind), "created", len(new))
            queries.insert_audit_entries(
                self.session,
                [f"Asset {row.name} created" for row in new],
                asset_ids=[by_slot[row.slot] for row in new],
                account_id=self.account.id,
                actor=self.actor,
            )
        return ids

    def _fields(self, row: _Row) -> dict[str, Any]:
        self.next_position += 1
        return {
            "name": row.name[:255],
            "generic_asset_type_id": self.types[row.kind],
            "account_id": self.account.id,
            "parent_asset_id": row.parent_id,
            "latitude": row.lat,
            "longitude": row.lon,
            "external_id": row.key,
            "attributes": {RECORD: row.record, POSITION: self.next_position - 1},
        }

    def _update(self, asset: Asset, row: _Row) -> None:
        wanted = {"name": row.name[:255], "latitude": row.lat, "longitude": row.lon}
        if row.parent_id is not None or row.kind != SUBSTATION:
            wanted["parent_asset_id"] = row.parent_id
        changed = asset.attributes.get(RECORD) != row.record or any(
            getattr(asset, k) != v for k, v in wanted.items() if k != "parent_asset_id"
        )
        for k, v in wanted.items():
            if getattr(asset, k) != v:
                setattr(asset, k, v)
        if changed:
            asset.attributes = {**asset.attributes, RECORD: row.record}  # a new dict: tracked
        self.result.add(_plural(row.kind), "updated" if changed else "unchanged")


def _plural(kind: str) -> str:
    return f"{kind}s"


def write(
    session: Session, registry: Registry, incoming: Dataset, after: Dataset, *, actor: User | None
) -> WriteCounts:
    """Upsert the incoming substations (with their transformers) and circuits.

    ``after`` is `merged` (the registry as it will be): it resolves the parents (a
    reference that does not resolve leaves the substation without a parent).
    Transformers no longer listed at an updated substation are deleted, with their
    sensors and data.
    """
    if actor is not None and not permissions.can_access_asset(
        actor, Asset(account_id=registry.account.id), permissions.CREATE
    ):
        raise PermissionDeniedError("You cannot create assets in this account.")
    writer = _Writer(session, registry, actor)
    substations = list(incoming.substations or ())
    rows = [_substation_row(s) for s in substations]
    existing = {a.external_id or "": a for a in registry.substations}
    by_key = {a.external_id or "": a.id for a in registry.substations}
    by_key.update(writer.upsert(rows, existing))
    stale = _write_transformers(writer, substations, rows, by_key)
    _link_parents(session, after.substations or [], by_key, existing)
    names = {(a.name or ""): a.id for a in registry.substations}
    names.update({row.name: by_key[row.key] for row in rows})
    circuits = [_circuit_row(c, by_key, names) for c in incoming.circuits or ()]
    circuit_ids = writer.upsert(circuits, {a.external_id or "": a for a in registry.circuits})
    writer.result.substation_ids = {row.key: by_key[row.key] for row in rows}
    writer.result.circuit_ids = circuit_ids
    session.flush()
    if stale:  # last: deleting expunges the session's objects
        writer.result.add("transformers", "deleted", len(stale))
        for asset in stale:
            asset_service.delete_asset(session, asset, actor=actor)
    return writer.result


def _substation_row(substation: Substation) -> _Row:
    key = record_key(substation)
    record = to_dict(substation)
    transformers = record.pop("Transformers", None)
    if transformers == []:
        record["Transformers"] = []  # an empty list stays in the record (no assets)
    return _Row(
        SUBSTATION,
        key[:255],
        record,
        substation.name or key,
        substation.latitude_deg,
        substation.longitude_deg,
    )


def _write_transformers(
    writer: _Writer, substations: Sequence[Substation], rows: Sequence[_Row], by_key: dict
) -> list[Asset]:
    """Upsert each substation's transformers; the ones it no longer lists (to delete)."""
    transformer_rows: list[_Row] = []
    existing: dict[Any, Asset] = {}
    stale: list[Asset] = []
    for substation, row in zip(substations, rows, strict=True):
        owner = by_key[row.key]
        old = {t.external_id or "": t for t in writer.registry.transformers.get(owner, ())}
        for transformer in substation.transformers or ():
            key = record_key(transformer)[:255]
            if key in old:
                existing[(owner, key)] = old.pop(key)
            transformer_rows.append(
                _Row(
                    TRANSFORMER,
                    key,
                    to_dict(transformer),
                    transformer.name or key,
                    row.lat,
                    row.lon,
                    parent_id=owner,
                )
            )
        stale += old.values()
    writer.upsert(transformer_rows, existing)
    return stale


def _circuit_row(circuit: Circuit, by_key: dict[str, int], names: dict[str, int]) -> _Row:
    key = record_key(circuit)
    start = _first_point(circuit)
    source = (circuit.from_substation or "")[:255]
    return _Row(
        CIRCUIT,
        key[:255],
        to_dict(circuit),
        circuit.name or key,
        start[0],
        start[1],
        parent_id=by_key.get(source) or names.get(circuit.from_substation or ""),
    )


def _link_parents(
    session: Session,
    substations: Sequence[Substation],
    by_key: dict[str, int],
    existing: dict[str, Asset],
) -> None:
    """Parent asset of every substation: its nearest station above that resolves, else none."""
    parents, _ = parent_index(substations)
    ids = [by_key.get(record_key(s)[:255]) for s in substations]
    changes = []
    for i, asset_id in enumerate(ids):
        if asset_id is None:
            continue
        wanted = ids[parents[i]] if parents[i] >= 0 else None
        current = existing.get(record_key(substations[i])[:255])
        if current is not None:
            if current.parent_asset_id != wanted:
                current.parent_asset_id = wanted
        elif wanted is not None:
            changes.append({"id": asset_id, "parent_asset_id": wanted})
    queries.set_parents(session, changes)


def _first_point(circuit: Circuit) -> tuple[float | None, float | None]:
    for line in circuit.geometry.lines or () if circuit.geometry else ():
        for point in line.coordinates or ():
            return point.latitude_deg, point.longitude_deg
    return None, None

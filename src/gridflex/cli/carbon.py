"""``gridflex carbon``: import zones and power data, recompute intensities, limit API access."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gridflex.cli.common import console, print_table, session, split_list
from gridflex.errors import ValidationError
from gridflex.services import carbon
from gridflex.services.accounts import get_account
from gridflex.services.carbon import naming
from gridflex.timing import parse_datetime

app = typer.Typer(help="Carbon intensity by grid zone.", no_args_is_help=True)


@contextmanager
def _bar(description: str, total: int) -> Iterator[Callable[[str], None]]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda label: bar.update(task, advance=1, description=f"{description}: {label}")


@app.command("import-zones")
def import_zones(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="GeoJSON FeatureCollection"),
) -> None:
    """Create or update zones (zoneId, zoneName, countryName, parentZoneId, Polygon/MultiPolygon)."""
    try:
        collection = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        console.print(f"[red]Error (file):[/red] cannot read {file} as JSON: {exc}")
        raise typer.Exit(1) from None
    features = collection.get("features") if isinstance(collection, dict) else None
    with session() as db, _bar("Importing zones", len(features or [])) as tick:
        imported = carbon.import_zones(db, collection, progress=tick)
    console.print(f"Imported {len(imported)} zone(s): {', '.join(imported)}.")


@app.command("import")
def import_power(
    production: Path | None = typer.Option(
        None, "--production", exists=True, dir_okay=False, help="CSV: datetime,zone,type,mw"
    ),
    exchanges: Path | None = typer.Option(
        None,
        "--exchanges",
        exists=True,
        dir_okay=False,
        help="CSV: datetime,from_zone,to_zone,mw (positive: from -> to)",
    ),
    compute: bool = typer.Option(True, "--compute/--no-compute", help="trace what changed"),
) -> None:
    """Import production by type and exchanges, then recompute the intensities they touch."""
    if production is None and exchanges is None:
        console.print("[red]Error:[/red] give --production FILE.csv and/or --exchanges FILE.csv.")
        raise typer.Exit(2)
    with session() as db:
        prod = None if production is None else _named(production, carbon.read_production_csv)
        flows = None if exchanges is None else _named(exchanges, carbon.read_exchanges_csv)
        total = (0 if prod is None else prod.groupby(["zone", "type"]).ngroups) + (
            0 if flows is None else flows.groupby(["from_zone", "to_zone"]).ngroups
        )
        with _bar("Importing", total) as tick:
            report = carbon.import_power(db, prod, flows, progress=tick, compute=compute)
    console.print(
        f"Stored {report.stored} new values in {report.series} series for "
        f"{len(report.zones)} zone(s); {report.computed} computed values stored."
    )


def _named(path: Path, reader):  # noqa: ANN001, ANN202 - reader returns a checked frame
    try:
        return reader(str(path))
    except ValidationError as exc:
        raise ValidationError(f"{path.name}: {exc.message}", field=exc.field) from None


@app.command()
def compute(
    zone: str | None = typer.Option(None, "--zone", help="zone id(s), comma-separated"),
    start: str | None = typer.Option(None, "--start", help="ISO 8601 with offset"),
    end: str | None = typer.Option(None, "--end", help="ISO 8601 with offset"),
) -> None:
    """Recompute carbon intensities and consumption mixes (all zones and times by default)."""
    zones = split_list(zone) or None
    lo = None if start is None else parse_datetime(start, field="start")
    hi = None if end is None else parse_datetime(end, field="end")
    with session() as db:
        stored = carbon.recompute(db, zones, lo, hi)
    console.print(f"Recomputed; {stored} changed values stored.")


@app.command()
def zones() -> None:
    """Zones with a zone asset: their sensors and links."""
    with session() as db:
        registry = carbon.load_registry(db)
        rows = [
            (
                record.zone_id,
                record.zone.zone_name,
                record.asset_id,
                sum(naming.production_type_of(n) is not None for n in record.sensors),
                ", ".join(registry.neighbours(record.zone_id)),
            )
            for record in sorted(registry.zones.values(), key=lambda r: r.zone_id)
            if record.asset_id is not None
        ]
    print_table("Zones", ["zone", "name", "asset", "production types", "linked to"], rows)


@app.command()
def access(
    account: int = typer.Option(..., "--account", help="account id"),
    zones: str | None = typer.Option(
        None, "--zones", help="zone ids, comma-separated (default: all)"
    ),
    routes: str | None = typer.Option(
        None, "--routes", help=f"routes, comma-separated (default: all), e.g. {carbon.ROUTES[0]}"
    ),
    clear: bool = typer.Option(False, "--clear", help="remove every limit"),
) -> None:
    """Limit which zones and routes of the carbon API an account's tokens may use."""
    with session() as db:
        target = get_account(db, account)
        if clear:
            carbon.clear_access(db, target)
            console.print(f"Account {account} may use every zone and route.")
            return
        spec = carbon.set_access(
            db,
            target,
            zones=split_list(zones) or None,
            routes=split_list(routes) or None,
        )
    console.print(f"Account {account}: zones {spec['zones']}, routes {spec['routes']}.")

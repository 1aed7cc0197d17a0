"""``gridflex heatmap``: import the network registry, publish datasets, list and export them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from gridflex.cli.common import console, session, settings
from gridflex.engines.heatmap import HeatmapDataError
from gridflex.services import heatmap

app = typer.Typer(
    help="Network-capacity heatmap: registry import, publishing, export.", no_args_is_help=True
)

_MAX_SHOWN = 20


@app.command("import")
def import_file(
    path: Path = typer.Argument(..., help=".json (the seed's format), .zip of CSVs or a folder"),
    account: int | None = typer.Option(
        None, "--account", help="DSO account id (default: the only one)"
    ),
    publish: bool = typer.Option(
        False,
        "--publish",
        help="also publish the file's dataset (metadata, identifier and values unchanged)",
    ),
    strict: bool = typer.Option(
        False, "--strict", help="refuse the whole file on any deviation from the specification"
    ),
) -> None:
    """Import substations, transformers and circuits into the registry of a DSO account.

    Lenient by default: records that cannot be understood are refused one by one, other
    deviations from the specification are kept; both are reported by kind.
    """
    config = settings()
    limits = heatmap.ReadLimits(config.heatmap_max_import_bytes, config.heatmap_max_zip_members)
    with session() as db:
        target = heatmap.dso_account(db, account)
        try:
            reading = heatmap.read_path(path, lenient=not strict, limits=limits)
            report = heatmap.import_dataset(db, target, reading, publish=publish, strict=strict)
        except HeatmapDataError as exc:
            _print_problems(exc)
            raise typer.Exit(1) from None
    for kind, counts in report.counts.items():
        console.print(f"{kind}: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items()))
    _print_conformance(report.conformance.summary())
    if report.published:
        state = "published" if report.published_new else "was already published"
        console.print(f"Dataset {report.published} {state}.")


@app.command("conformance")
def conformance(
    identifier: str | None = typer.Argument(None, help="default: the dataset valid now"),
    as_json: bool = typer.Option(False, "--json", help="the whole report as JSON"),
) -> None:
    """What a published dataset deviates from the specification in, by kind."""
    with session() as db:
        if identifier is not None:
            row = heatmap.dataset_by_identifier(db, identifier)
        else:
            row = heatmap.dataset_valid_at(db)
        report = heatmap.conformance_of(db, row)
        identifier = row.identifier
    if report is None:
        console.print(f"Dataset {identifier} was published without a conformance report.")
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps({"identifier": identifier, **report}, indent=2))
        return
    console.print(f"Dataset {identifier}:")
    _print_conformance(report)


def _print_conformance(summary: dict[str, Any]) -> None:
    """The report as a table: one line per kind, with its fields and first example."""
    verdict = "conforms to the specification" if summary["conforms"] else "deviates"
    console.print(
        f"{summary['refused']} refused, {summary['deviations']} deviations kept, "
        f"{summary['filled']} fields computed, {summary['normalised']} values normalised "
        f"({verdict}).",
        highlight=False,
    )
    if not summary["kinds"]:
        return
    table = Table(show_lines=False)
    for column in ("kind", "outcome", "count", "fields", "first example"):
        table.add_column(column, overflow="fold")
    for kind in summary["kinds"]:
        fields = ", ".join(f"{name} {n}" for name, n in list(kind["fields"].items())[:3])
        if len(kind["fields"]) > 3:
            fields += f", ... ({len(kind['fields'])} fields)"
        first = kind["examples"][0] if kind["examples"] else None
        example = f"{first['record']} {first['field']}: {first['message']}" if first else ""
        table.add_row(kind["kind"], kind["outcome"], str(kind["count"]), fields, example)
    console.print(table)


@app.command("publish")
def publish(
    title: str = typer.Option(..., "--title"),
    valid_from: str = typer.Option(..., "--valid-from", help="inclusive; ISO 8601 or a date (UTC)"),
    valid_to: str = typer.Option(..., "--valid-to", help="exclusive; ISO 8601 or a date (UTC)"),
    account: int | None = typer.Option(
        None, "--account", help="DSO account id (default: the only one)"
    ),
    identifier: str | None = typer.Option(None, "--identifier", help="default: a new UUID"),
    description: str | None = typer.Option(None, "--description"),
    creator: str | None = typer.Option(None, "--creator"),
    publisher: str | None = typer.Option(None, "--publisher"),
    contributor: str | None = typer.Option(None, "--contributor"),
    coverage: str | None = typer.Option(None, "--coverage"),
    rights: str | None = typer.Option(None, "--rights", help="licence URI"),
    language: str | None = typer.Option(None, "--language"),
    strict: bool = typer.Option(
        False, "--strict", help="refuse on any deviation of the registry from the specification"
    ),
) -> None:
    """Compute a dataset from the registry and the measured demand, and publish it."""
    with session() as db:
        target = heatmap.dso_account(db, account)
        request = heatmap.PublishRequest(
            title=title,
            valid_from=heatmap.parse_moment(valid_from, field="valid-from"),
            valid_to=heatmap.parse_moment(valid_to, field="valid-to"),
            identifier=identifier,
            description=description,
            creator=creator,
            publisher=publisher,
            contributor=contributor,
            coverage=coverage,
            rights=rights,
            language=language,
        )
        try:
            published = heatmap.publish_from_registry(db, target, request, strict=strict)
        except HeatmapDataError as exc:
            _print_problems(exc)
            raise typer.Exit(1) from None
        row = published.row
        identifier = row.identifier
        counts = (row.substation_count, row.circuit_count)
    for warning in published.warnings:
        console.print(f"[yellow]Warning:[/yellow] {warning}", highlight=False)
    console.print(
        f"Published dataset {identifier}: {counts[0]} substations, {counts[1]} circuits "
        f"(read {published.timings_s['read']:.2f} s, computed {published.timings_s['compute']:.2f} s)."
    )


@app.command("list")
def list_datasets() -> None:
    """The published datasets, latest validity first (one line each)."""
    with session() as db:
        lines = [
            f"{r.identifier}  {r.title!r}  valid [{r.valid_from:%Y-%m-%d %H:%M}, "
            f"{r.valid_to:%Y-%m-%d %H:%M}) UTC  issued {r.issued:%Y-%m-%d %H:%M}  "
            f"{r.substation_count} substations, {r.circuit_count} circuits"
            for r in heatmap.list_datasets(db)
        ]
    for line in lines or ["No heatmap dataset is published."]:
        typer.echo(line)


@app.command("export")
def export(
    identifier: str | None = typer.Argument(None, help="default: the dataset valid now (or --at)"),
    at: str | None = typer.Option(None, "--at", help="the dataset valid at this moment"),
    fmt: str = typer.Option("json", "--format", help="json, geojson or csv (a zip)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="file (default: stdout)"),
) -> None:
    """Write a published dataset as the seed's JSON, GeoJSON or zipped CSV tables."""
    with session() as db:
        if identifier is not None:
            row = heatmap.dataset_by_identifier(db, identifier)
        else:
            moment = heatmap.parse_moment(at, field="at") if at else None
            row = heatmap.dataset_valid_at(db, moment)
        kind = heatmap.negotiate(fmt, None)
        body = heatmap.answer(db, row, kind, heatmap.Selection()).body
    if output is not None:
        output.write_bytes(body)
        console.print(f"Wrote {len(body)} bytes to {output}.")
    elif kind == "csv":
        console.print("[red]Error (output):[/red] a zip needs --output FILE.")
        raise typer.Exit(1)
    else:
        typer.echo(body.decode())


def _print_problems(exc: HeatmapDataError) -> None:
    console.print(f"[red]Refused:[/red] {len(exc.problems)} problem(s); nothing was stored.")
    kinds = Counter(p.kind for p in exc.problems)
    console.print("By kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    for problem in exc.problems[:_MAX_SHOWN]:
        console.print(f"  {problem}", markup=False, highlight=False)
    if len(exc.problems) > _MAX_SHOWN:
        console.print(f"  ... and {len(exc.problems) - _MAX_SHOWN} more")

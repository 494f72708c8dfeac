"""``ssd-gateway map``: dry-run a journal mapping on an export, or keep its rejects.

Prints every canonical record, or every problem of every record at once with its source
location and target field; ``--explain`` shows which source value became which field,
``--to fhir|xml`` renders the records (when those renderers are installed), ``--json``
prints JSON Lines, ``--quarantine`` keeps rejected records in the quarantine table.
Exit code: 0 all mapped, 1 some record rejected, 2 the mapping or the command is wrong.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

if TYPE_CHECKING:
    from ssd_gateway.mapping import Explained, Mapped, Mapping, Rejected
    from ssd_gateway.model import Record

#: ``--to`` name → (module, function taking a Record and returning text or bytes)
RENDERERS: dict[str, tuple[str, str]] = {
    "fhir": ("ssd_gateway.gateway.envelope", "dry_run_fhir"),
    "xml": ("ssd_gateway.gateway.envelope", "dry_run_xml"),
}


def renderer(name: str) -> Callable[[Record], Any]:
    """The renderer behind ``--to NAME``; exit 2 with a clear message if it is not there."""
    if name not in RENDERERS:
        _fail(f"--to kender kun {', '.join(RENDERERS)} / --to accepts {', '.join(RENDERERS)}")
    module_name, attr = RENDERERS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        _fail(f"--to {name}: modulet {module_name} findes ikke i denne installation "
              f"/ the module {module_name} is not part of this installation")
    function = getattr(module, attr, None)
    if not callable(function):
        _fail(f"--to {name}: {module_name}.{attr} findes ikke / {module_name}.{attr} is missing")
    return cast("Callable[[Record], Any]", function)


def _fail(message: str) -> Any:
    typer.echo(message, err=True)
    raise typer.Exit(2)


def load_or_exit(path: Path) -> Mapping:
    """Load a mapping; print every problem with its line and exit 2 if it is invalid."""
    from ssd_gateway.mapping import MappingInvalid, load_mapping

    try:
        return load_mapping(path)
    except MappingInvalid as exc:
        typer.echo(f"Mappingen er ugyldig / the mapping is invalid ({len(exc.problems)}):",
                   err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem.render()}", err=True)
        raise typer.Exit(2) from None


def record_text(record: Record, render: Callable[[Record], Any] | None) -> str:
    """The canonical JSON of a record, or its rendering."""
    from ssd_gateway.model import record_json_text

    if render is None:
        return record_json_text(record, indent=2)
    out = render(record)
    return out.decode("utf-8") if isinstance(out, bytes) else str(out)


def _explained_json(items: list[Explained]) -> list[dict[str, Any]]:
    return [{"target": e.target, "value": e.value, "source_value": e.source_value,
             "source": e.location.to_json() if e.location else None, "rule": e.rule}
            for e in items]


def _print_mapped(outcome: Mapped, render: Callable[[Record], Any] | None,
                  as_json: bool, explain: bool) -> None:
    from ssd_gateway.model import record_json_text

    if as_json:
        line: dict[str, Any] = {"status": "mapped", "index": outcome.index,
                                "source": outcome.location.to_json()}
        if render is not None:
            line["rendered"] = record_text(outcome.record, render)
        if explain:
            line["explain"] = _explained_json(outcome.explanation)
        head = json.dumps(line, ensure_ascii=False, default=str)
        typer.echo(f'{head[:-1]}, "record": {record_json_text(outcome.record)}}}')
        return
    typer.echo(f"✓ #{outcome.index} {outcome.location.render()}: "
               f"{outcome.record.kind} {outcome.record.id}")
    if explain:
        for e in outcome.explanation:
            where = e.location.render() if e.location else f"({e.rule})"
            typer.echo(f"    {e.target} ← {where}: {e.source_value!r} → {e.value!r}")
    typer.echo(record_text(outcome.record, render))


def _print_rejected(outcome: Rejected, quarantine_id: int | None, as_json: bool,
                    lang: str) -> None:
    if as_json:
        typer.echo(json.dumps({"status": "rejected", "index": outcome.index,
                               "scope": outcome.scope, "source": outcome.location.to_json(),
                               "quarantine_id": quarantine_id,
                               "problems": [p.to_json() for p in outcome.problems]},
                              ensure_ascii=False))
        return
    kept = f" → karantæne #{quarantine_id}" if quarantine_id is not None else ""
    typer.echo(f"✗ #{outcome.index} {outcome.location.render()}: "
               f"{len(outcome.problems)} problem(er){kept}")
    for problem in outcome.problems:
        typer.echo(f"    {problem.render(lang)}")


def map_command(
    input_file: Annotated[Path, typer.Argument(help="Eksportfilen / the export file",
                                               exists=True, dir_okay=False)],
    mapping_file: Annotated[Path, typer.Option("--mapping", "-m", help="Mappingfil (YAML)",
                                               exists=True, dir_okay=False)],
    explain: Annotated[bool, typer.Option(help="Vis kildeværdi → felt / show source → field")]
    = False,
    to: Annotated[str | None, typer.Option("--to", help="fhir eller xml")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines")] = False,
    quarantine: Annotated[bool, typer.Option(help="Gem afviste poster i karantæne")] = False,
    db: Annotated[str | None, typer.Option(help="Database-URL (default: settings)")] = None,
    lang: Annotated[str, typer.Option(help="da eller en")] = "da",
    jobs: Annotated[int, typer.Option(
        help="Processer til store XML-eksporter / processes for large XML exports", min=1)] = 1,
) -> None:
    """Map en journaleksport til kanoniske poster. / Map a journal export to records."""
    from ssd_gateway.mapping import Mapped
    from ssd_gateway.mapping.parallel import map_file_parallel

    render = renderer(to) if to else None
    mapping = load_or_exit(mapping_file)
    outcomes = map_file_parallel(mapping, input_file, jobs, explain=explain)
    pairs: Any = ((o, None) for o in outcomes)
    if quarantine:
        from ssd_gateway.quarantine.remap import keep_rejected

        pairs = keep_rejected(outcomes, open_store(db), mapping, origin=input_file.name)
    mapped = rejected = 0
    for outcome, quarantine_id in pairs:
        if isinstance(outcome, Mapped):
            mapped += 1
            _print_mapped(outcome, render, as_json, explain)
        else:
            rejected += 1
            _print_rejected(outcome, quarantine_id, as_json, lang)
    _summary(mapped, rejected, quarantine, as_json)
    if rejected:
        raise typer.Exit(1)


def _summary(mapped: int, rejected: int, quarantined: bool, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"summary": {"mapped": mapped, "rejected": rejected,
                                           "quarantined": rejected if quarantined else 0}}))
        return
    kept = f", {rejected} i karantæne" if quarantined and rejected else ""
    typer.echo(f"{mapped + rejected} poster: {mapped} mappet, {rejected} afvist{kept} "
               f"/ {mapped + rejected} records: {mapped} mapped, {rejected} rejected")


def open_store(db: str | None) -> Any:
    """The quarantine store at ``db`` or at the settings' database URL."""
    from ssd_gateway.quarantine import QuarantineStore
    from ssd_gateway.settings import load_settings

    return QuarantineStore.from_url(db or load_settings().effective_database_url)


def register(app: typer.Typer) -> None:
    """Add ``map`` to the root command."""
    app.command("map")(map_command)

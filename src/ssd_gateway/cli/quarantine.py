"""``ssd-gateway quarantine list|show|retry``: see and settle rejected input.

``list`` shows entries without their payload; ``show ID`` shows one entry's reasons (and
with ``--payload`` the kept bytes, which hold personal data: only on the operator's own
terminal); ``retry ID`` maps the payload again with the current mapping (found by the
entry's mapping id in ``mappings/``, or given with ``--mapping``), resolves the entry if it
maps and prints the records. Exit code 1 when a retry still fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ssd_gateway.cli.mapping import load_or_exit, open_store, record_text

quarantine_app = typer.Typer(
    help="Afviste poster og beskeder. / Rejected records and messages.", no_args_is_help=True)


def _fail(message: str, code: int = 2) -> Any:
    typer.echo(message, err=True)
    raise typer.Exit(code)


@quarantine_app.command("list")
def list_command(
    status: Annotated[str, typer.Option(help="open, resolved eller all")] = "open",
    source: Annotated[str | None, typer.Option(help="mapping, federation, …")] = None,
    limit: Annotated[int, typer.Option(help="Højst så mange")] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: Annotated[str | None, typer.Option(help="Database-URL")] = None,
) -> None:
    """Vis posterne i karantæne. / List the quarantine."""
    entries = open_store(db).entries(status=None if status == "all" else status, source=source,
                                     limit=limit)
    if as_json:
        typer.echo(json.dumps([e.summary() for e in entries], ensure_ascii=False, indent=2))
        return
    if not entries:
        typer.echo("Karantænen er tom. / The quarantine is empty.")
    for e in entries:
        typer.echo(f"#{e.id}  {e.status:<8} {e.received_at:%Y-%m-%d %H:%M}  "
                   f"{e.mapping_id or e.source}  {e.origin or '-'}  {e.location or '-'}  "
                   f"{', '.join(e.reason_codes)}")


@quarantine_app.command("show")
def show_command(
    entry_id: Annotated[int, typer.Argument(help="Id fra 'quarantine list'")],
    payload: Annotated[bool, typer.Option(help="Vis de gemte bytes (persondata!)")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: Annotated[str | None, typer.Option(help="Database-URL")] = None,
) -> None:
    """Vis én post i karantæne med alle problemer. / Show one entry with every problem."""
    from ssd_gateway.exceptions import NotFound

    try:
        entry = open_store(db).get(entry_id)
    except NotFound as exc:
        _fail(str(exc), 1)
    if as_json:
        data = {**entry.summary(), "problems": entry.problems,
                "content_type": entry.content_type, "mapping_version": entry.mapping_version}
        if payload:
            data["payload"] = entry.payload.decode("utf-8", errors="replace")
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    for key, value in entry.summary().items():
        typer.echo(f"{key:>13}: {value}")
    typer.echo("     problems:")
    for problem in entry.problems:
        source = problem.get("source", {})
        where = source.get("path", "")
        if "line" in source:
            where += f" (linje {source['line']}" + (
                f", kolonne {source['column']})" if "column" in source else ")")
        target = problem.get("target") or "<post>"
        typer.echo(f"    {where} → {target}: {problem.get('message_da')}")
    if payload:
        typer.echo(f"      payload ({entry.content_type}):")
        typer.echo(_decode(entry.payload, entry.content_type))


def _decode(data: bytes, content_type: str) -> str:
    charset = content_type.partition("charset=")[2] or "utf-8"
    return data.decode(charset, errors="replace")


@quarantine_app.command("retry")
def retry_command(
    entry_id: Annotated[int, typer.Argument(help="Id fra 'quarantine list'")],
    mapping_file: Annotated[Path | None, typer.Option("--mapping", "-m",
                                                      help="Mappingfil (default: efter id)")]
    = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: Annotated[str | None, typer.Option(help="Database-URL")] = None,
) -> None:
    """Map posten igen med den nuværende mapping. / Map the entry again with the mapping."""
    from ssd_gateway.exceptions import GatewayError
    from ssd_gateway.mapping import find_mapping
    from ssd_gateway.model import record_to_json
    from ssd_gateway.quarantine.remap import retry

    store = open_store(db)
    try:
        entry = store.get(entry_id)
        mapping = (load_or_exit(mapping_file) if mapping_file is not None
                   else find_mapping(entry.mapping_id or ""))
        result = retry(store, entry_id, mapping)
    except GatewayError as exc:
        _fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps({"id": entry_id, "status": result.entry.status,
                               "records": [record_to_json(r) for r in result.records],
                               "problems": [p.to_json() for p in result.problems]},
                              ensure_ascii=False, indent=2))
    elif result.resolved:
        typer.echo(f"#{entry_id} løst / resolved ({len(result.records)} post(er)):")
        for record in result.records:
            typer.echo(record_text(record, None))
    else:
        typer.echo(f"#{entry_id} stadig afvist / still rejected ({len(result.problems)}):")
        for problem in result.problems:
            typer.echo(f"    {problem.render()}")
    if not result.resolved:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``quarantine`` to the root command."""
    app.add_typer(quarantine_app, name="quarantine")

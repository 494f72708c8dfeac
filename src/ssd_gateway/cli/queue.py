"""``ssd-gateway queue …``: operator controls over the delivery outbox.

``list``, ``show``, ``dead-letters`` read; ``retry``, ``cancel``, ``purge-dead`` and
``purge-bodies`` change rows, each change audited with ``--actor`` (default: the login name).
Bulk actions commit in batches and show a progress bar.
"""

from __future__ import annotations

import getpass
import json
import re
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import typer

CONFIG = typer.Option(None, "--config", help="TOML settings file.")
RUNTIME = typer.Option(
    "ssd_gateway.delivery.runtime:from_settings", "--runtime",
    help="MODULE:FUNCTION giving the database session factory and the audit sink.",
)
PEER = typer.Option(None, "--peer", help="Only transfers to this organisation.")
STATE = typer.Option(None, "--state", help="Only these states (repeatable).")
KIND = typer.Option(None, "--kind", help="Only this record kind.")
OLDER = typer.Option(None, "--older-than", help="Created at least this long ago: 30m, 2h, 7d.")
NEWER = typer.Option(None, "--newer-than", help="Created at most this long ago.")
CONSENT = typer.Option(None, "--consent", help="Only transfers relying on this consent.")
ACTOR = typer.Option(None, "--actor", help="Who is acting (audited); default: login name.")
LIMIT = typer.Option(100, "--limit", help="Most rows to list.")
AS_JSON = typer.Option(False, "--json", help="JSON lines instead of a table.")
BATCH = 500

queue_app = typer.Typer(help="Udbakken: se, genforsøg, annullér. / The outbox: inspect, "
                        "retry, cancel.", no_args_is_help=True)


def parse_age(text: str | None) -> timedelta | None:
    """``30s``, ``15m``, ``2h`` or ``7d`` as a timedelta."""
    if text is None:
        return None
    match = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if match is None:
        raise typer.BadParameter(f"{text!r}: use a number and s, m, h or d (e.g. 2h)")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def _filter(peer: str | None, state: Sequence[str] | None, kind: str | None,
            older: str | None, newer: str | None, consent: str | None,
            ids: Sequence[str] = ()) -> Any:
    from ssd_gateway.delivery.operations import TransferFilter
    from ssd_gateway.delivery.states import TransferState

    try:
        states = tuple(TransferState(value) for value in state or ())
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    return TransferFilter(peer=peer, states=states, kind=kind, older_than=parse_age(older),
                          newer_than=parse_age(newer), consent_id=consent, ids=tuple(ids))


def _runtime(config: Path | None, runtime: str) -> Any:
    from ssd_gateway.delivery.runtime import load_factory
    from ssd_gateway.settings import load_settings

    return load_factory(runtime)(load_settings(config))


def _print(rows: list[Any], as_json: bool) -> None:
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row.__dict__, default=str, sort_keys=True))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "state", "kind", "peer", "acute", "tries", "next attempt", "last error")
    for row in rows:
        table.add_row(row.id, row.state, row.kind, row.peer, "!" if row.acute else "",
                      str(row.attempts), row.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S"),
                      (row.last_error or "")[:40])
    Console().print(table)
    Console(stderr=True).print(f"{len(rows)} transfers")


@queue_app.command("list")
def list_command(config: Path | None = CONFIG, runtime: str = RUNTIME,
                 peer: str | None = PEER, state: list[str] | None = STATE,
                 kind: str | None = KIND, older_than: str | None = OLDER,
                 newer_than: str | None = NEWER, consent: str | None = CONSENT,
                 limit: int = LIMIT, as_json: bool = AS_JSON) -> None:
    """List transfers (acute first, then oldest)."""
    from ssd_gateway.delivery.operations import list_transfers

    where = _filter(peer, state, kind, older_than, newer_than, consent)
    with _runtime(config, runtime).session_factory() as session:
        _print(list_transfers(session, where, limit=limit), as_json)


@queue_app.command("dead-letters")
def dead_letters_command(config: Path | None = CONFIG, runtime: str = RUNTIME,
                         peer: str | None = PEER, kind: str | None = KIND,
                         older_than: str | None = OLDER, limit: int = LIMIT,
                         as_json: bool = AS_JSON) -> None:
    """List dead letters."""
    from ssd_gateway.delivery.operations import dead_letters

    where = _filter(peer, None, kind, older_than, None, None)
    with _runtime(config, runtime).session_factory() as session:
        _print(dead_letters(session, where, limit=limit), as_json)


@queue_app.command("show")
def show_command(transfer_id: str, config: Path | None = CONFIG,
                 runtime: str = RUNTIME) -> None:
    """Show one transfer (never its body)."""
    from ssd_gateway.delivery.operations import show_transfer
    from ssd_gateway.exceptions import NotFound

    with _runtime(config, runtime).session_factory() as session:
        try:
            row = show_transfer(session, transfer_id)
        except NotFound as exc:
            typer.echo(f"unknown transfer {transfer_id}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(json.dumps(row.__dict__, default=str, sort_keys=True, indent=2))


def _bulk(config: Path | None, runtime: str, where: Any, actor: str | None, label: str,
          action: Callable[..., int]) -> None:
    from rich.progress import Progress

    from ssd_gateway.delivery.operations import matching_ids

    built = _runtime(config, runtime)
    who = actor or getpass.getuser()
    with built.session_factory() as session:
        ids = matching_ids(session, where)
    done = 0
    with Progress(transient=False) as progress:
        task = progress.add_task(label, total=len(ids))
        for start in range(0, len(ids), BATCH):
            with built.session_factory() as session, session.begin():
                done += action(session, ids[start:start + BATCH], actor=who, audit=built.audit,
                               progress=lambda n: progress.advance(task, n))
    typer.echo(f"{label}: {done} of {len(ids)} matching transfers")


@queue_app.command("retry")
def retry_command(ids: list[str] = typer.Argument(None, help="Transfer ids (or use filters)."),
                  config: Path | None = CONFIG, runtime: str = RUNTIME,
                  peer: str | None = PEER, state: list[str] | None = STATE,
                  kind: str | None = KIND, older_than: str | None = OLDER,
                  actor: str | None = ACTOR) -> None:
    """Send dead or failed transfers again, now, with a fresh attempt budget."""
    from ssd_gateway.delivery.operations import retry_transfers

    where = _filter(peer, state or ["dead", "transient_error"], kind, older_than, None, None,
                    ids or ())
    _bulk(config, runtime, where, actor, "retry", retry_transfers)


@queue_app.command("cancel")
def cancel_command(ids: list[str] = typer.Argument(None, help="Transfer ids (or use filters)."),
                   config: Path | None = CONFIG, runtime: str = RUNTIME,
                   peer: str | None = PEER, kind: str | None = KIND,
                   older_than: str | None = OLDER, consent: str | None = CONSENT,
                   actor: str | None = ACTOR) -> None:
    """Cancel transfers that have not been sent yet."""
    from ssd_gateway.delivery.operations import cancel_transfers

    if not ids and not (peer or kind or older_than or consent):
        raise typer.BadParameter("give transfer ids or at least one filter")
    where = _filter(peer, ["pending", "transient_error"], kind, older_than, None, consent,
                    ids or ())
    _bulk(config, runtime, where, actor, "cancel", cancel_transfers)


@queue_app.command("purge-dead")
def purge_dead_command(config: Path | None = CONFIG, runtime: str = RUNTIME,
                       peer: str | None = PEER, kind: str | None = KIND,
                       older_than: str | None = OLDER, actor: str | None = ACTOR,
                       yes: bool = typer.Option(False, "--yes", help="Do not ask.")) -> None:
    """Delete dead letters for good (their evidence stays in the audit log)."""
    from ssd_gateway.delivery.operations import purge_dead

    if not yes:
        typer.confirm("Delete the matching dead letters for good?", abort=True)
    where = _filter(peer, ["dead"], kind, older_than, None, None)
    _bulk(config, runtime, where, actor, "purge-dead", purge_dead)


@queue_app.command("purge-bodies")
def purge_bodies_command(config: Path | None = CONFIG, runtime: str = RUNTIME,
                         days: int = typer.Option(30, help="Keep bodies this many days.")
                         ) -> None:
    """Delete message bodies of transfers acknowledged more than DAYS days ago."""
    from ssd_gateway.delivery.retention import purge_acked_bodies

    count = purge_acked_bodies(_runtime(config, runtime).session_factory, timedelta(days=days))
    typer.echo(f"purge-bodies: {count} bodies deleted")


def register(app: typer.Typer) -> None:
    """Add ``queue`` to the root command."""
    app.add_typer(queue_app, name="queue")

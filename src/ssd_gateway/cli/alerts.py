"""``ssd-gateway alerts``: the open alerts, optionally after one sweep.

``--sweep`` runs the alert sources once (as the sweeper thread of ``serve`` does) and commits
the raised and cleared alerts; without it the command only reads. ``--json`` prints one JSON
object (``swept``, ``raised``, ``cleared``, ``open``) for scripts and monitoring.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Add the ``alerts`` command."""

    @app.command()
    def alerts(
        config: Path | None = typer.Option(None, "--config", "-c", help="gateway.toml"),
        sweep: bool = typer.Option(False, "--sweep", help="Kør én gennemgang først. / Sweep "
                                   "once first."),
        as_json: bool = typer.Option(False, "--json", help="JSON i stedet for en tabel. / "
                                     "JSON instead of a table."),
        lang: str = typer.Option("da", "--lang", help="da | en"),
    ) -> None:
        """Vis åbne varsler (frister, certifikater, partnere). / Show open alerts."""
        from ssd_gateway.alerts import AlertRow, open_alerts
        from ssd_gateway.cli.errors import exit_on_error
        from ssd_gateway.db import make_engine, make_sessionmaker
        from ssd_gateway.settings import load_settings

        if lang not in ("da", "en"):
            raise typer.BadParameter("use da or en", param_hint="--lang")
        raised: list[str] = []
        cleared: list[str] = []
        with exit_on_error(lang):
            settings = load_settings(config)
            if sweep:
                from ssd_gateway.gateway.alert_sweeper import AlertSweeper
                from ssd_gateway.gateway.runtime import Gateway
                from ssd_gateway.logs import configure_logging

                configure_logging(settings.log_format)  # to stderr: stdout is the answer

                gateway = Gateway.open(settings)
                try:
                    change = AlertSweeper(gateway).sweep_once()
                finally:
                    gateway.close()
                raised = [alert.key for alert in change.raised]
                cleared = list(change.cleared)
            engine = make_engine(settings.effective_database_url)
            try:
                AlertRow.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
                with make_sessionmaker(engine)() as session:
                    rows = [_as_dict(row, lang) for row in open_alerts(session)]
            finally:
                engine.dispose()
        if as_json:
            typer.echo(json.dumps({"swept": sweep, "raised": raised, "cleared": cleared,
                                   "open": rows}, ensure_ascii=False, indent=2))
            return
        _print(rows, raised, cleared, sweep, lang)


def _as_dict(row: Any, lang: str) -> dict[str, Any]:
    from datetime import UTC

    raised_at = row.raised_at if row.raised_at.tzinfo else row.raised_at.replace(tzinfo=UTC)
    return {"key": row.key, "kind": row.kind, "severity": row.severity,
            "text": row.text_en if lang == "en" else row.text_da,
            "raised_at": raised_at.isoformat()}


def _print(rows: list[dict[str, Any]], raised: list[str], cleared: list[str], swept: bool,
           lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    en = lang == "en"
    console = Console()
    if swept:
        console.print(f"{len(raised)} raised, {len(cleared)} cleared" if en else
                      f"{len(raised)} nye, {len(cleared)} afsluttede")
    if not rows:
        console.print("No open alerts" if en else "Ingen åbne varsler")
        return
    table = Table(*(("severity", "kind", "raised (UTC)", "alert", "key") if en else
                    ("alvor", "type", "rejst (UTC)", "varsel", "nøgle")))
    for row in rows:
        style = "bold red" if row["severity"] == "critical" else None
        table.add_row(row["severity"], row["kind"], row["raised_at"][:16].replace("T", " "),
                      row["text"], row["key"], style=style)
    console.print(table)

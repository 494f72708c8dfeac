"""``ssd-gateway demo``: the main job end to end on the embedded default."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""

    @app.command()
    def demo(
        out: Path | None = typer.Option(None, "--out", help="skriv alle udvekslede "
                                        "meddelelser her / write every message exchanged here"),
        data: Path | None = typer.Option(None, "--data", help="behold gatewayenes tilstand "
                                         "her / keep the gateways' state here"),
        lang: str = typer.Option("da", help="da | en"),
    ) -> None:
        """Kør hovedopgaven fra ende til anden. / Run the main job end to end."""
        from ssd_gateway.demo import Demo
        from ssd_gateway.logs import configure_logging

        with tempfile.TemporaryDirectory(prefix="ssd-demo-") as tmp:
            home = data or Path(tmp)
            home.mkdir(parents=True, exist_ok=True)
            configure_logging("json", home / "gateway.log")
            en = lang == "en"
            typer.echo("Føderation på loopback med mTLS: børnehave, skole, socialforvaltning"
                       if not en else
                       "Federation on loopback over mTLS: daycare, school, social authority")
            result = Demo(home, progress=lambda line: typer.echo(f"  • {line}"),
                          lang=lang).run(out)
            _summary(result, en, out, data)
        if not result.ok:
            raise typer.Exit(1)


def _summary(result: object, en: bool, out: Path | None, data: Path | None) -> None:
    from ssd_gateway.demo import DemoResult

    assert isinstance(result, DemoResult)
    sent = sum(1 for s in result.steps if s.state == "acked")
    refused = sum(1 for s in result.steps if s.state == "denied")
    typer.echo(("Stafetholder nu" if not en else "Stafetholder now") + f": {result.holder}")
    if result.receipt_due:
        typer.echo(("Kvitteringsfrist for underretningen" if not en else
                    "Receipt deadline for the underretning") + f": {result.receipt_due}")
    logs = ", ".join(f"{org} {'OK' if ok else 'FEJL'}" for org, ok in result.verified.items())
    typer.echo(("Bevislogge verificeret" if not en else "Evidence logs verified") + f": {logs}")
    typer.echo(f"{sent} overførsler kvitteret, {refused} afvist før afsendelse" if not en else
                f"{sent} transfers acknowledged, {refused} refused before sending")
    if out is not None:
        typer.echo(("Meddelelser skrevet til" if not en else "Messages written to")
                   + f" {out} ({len(result.written)})")
    if data is not None:
        typer.echo(("Tilstand gemt i" if not en else "State kept in") + f" {data}")

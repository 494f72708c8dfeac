"""``ssd-gateway doctor``: the readiness checks from the command line, with fixes."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``doctor`` command."""

    @app.command()
    def doctor(
        config: Path | None = typer.Option(None, "--config", "-c", help="gateway.toml"),
        lang: str = typer.Option("da", help="da | en"),
    ) -> None:
        """Kontrollér database, kø, certifikat og partnere. / Check the gateway's readiness."""
        from rich.console import Console
        from rich.table import Table

        from ssd_gateway.cli.errors import exit_on_error
        from ssd_gateway.health import readiness
        from ssd_gateway.settings import load_settings

        with exit_on_error(lang):
            settings = load_settings(config)
        checks = readiness(settings)
        table = Table("", "check", "status", "fix" if lang == "en" else "løsning")
        for c in checks:
            detail, fix = (c.detail_en, c.fix_en) if lang == "en" else (c.detail_da, c.fix_da)
            table.add_row("✓" if c.ok else "✗", c.name, detail, fix)
        Console().print(table)
        if not all(c.ok for c in checks):
            raise typer.Exit(1)

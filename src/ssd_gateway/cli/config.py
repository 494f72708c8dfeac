"""``ssd-gateway config show``: the effective configuration, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Add the ``config`` command group."""
    group = typer.Typer(help="Konfiguration. / Configuration.", no_args_is_help=True)

    @group.command("show")
    def show(
        config: Path | None = typer.Option(None, "--config", "-c", help="gateway.toml"),
    ) -> None:
        """Vis den gældende konfiguration (hemmeligheder skjult). / Show effective settings."""
        from ssd_gateway.cli.errors import exit_on_error
        from ssd_gateway.settings import load_settings

        with exit_on_error():
            settings = load_settings(config)
        data: dict[str, Any] = settings.model_dump(mode="json")
        data["effective_database_url"] = _mask_url(settings.effective_database_url)
        data["database_url"] = _mask_url(data["database_url"])
        data["broker_url"] = _mask_url(data["broker_url"])
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))

    app.add_typer(group, name="config")


def _mask_url(url: str) -> str:
    """Hide the password part of ``scheme://user:password@host``."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url

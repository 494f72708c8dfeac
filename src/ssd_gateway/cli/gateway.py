"""``ssd-gateway sandbox`` and ``serve``: a local federation, and running one gateway."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``sandbox``, ``db``, ``retention`` and ``serve`` commands."""

    @app.command()
    def sandbox(
        directory: Path = typer.Argument(..., help="folder for the federation (created)"),
    ) -> None:
        """Skriv en lokal føderation med fire organisationer. / Write a local federation."""
        from ssd_gateway.cli.errors import exit_on_error
        from ssd_gateway.sandbox import write_sandbox

        with exit_on_error():
            gateways = write_sandbox(directory)
        typer.echo(f"ca: {directory / 'ca.pem'}")
        typer.echo(f"peers: {directory / 'peers.toml'}")
        for gw in gateways:
            typer.echo(f"{gw.org_id}: ssd-gateway serve --config {gw.config}")

    db = typer.Typer(help="Databasen. / The database.", no_args_is_help=True)

    @db.command("upgrade")
    def db_upgrade(
        config: Path | None = typer.Option(None, "--config", "-c", help="gateway.toml"),
        revision: str = typer.Option("head", help="Alembic revision"),
    ) -> None:
        """Migrér databasen. / Migrate the database (Alembic) to a revision."""
        from ssd_gateway.cli.errors import exit_on_error
        from ssd_gateway.migrations import upgrade
        from ssd_gateway.settings import load_settings

        with exit_on_error():
            settings = load_settings(config)
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            upgrade(settings.effective_database_url, revision)
        typer.echo(f"database at {revision}")

    app.add_typer(db, name="db")

    @app.command()
    def retention(
        config: Path = typer.Option(..., "--config", "-c", exists=True, dir_okay=False,
                                    help="gateway.toml"),
        days: int | None = typer.Option(None, help="behold så mange dage / keep this many "
                                        "days (default: delivery.body_retention_days)"),
    ) -> None:
        """Slet gamle meddelelsesindhold (loggen består). / Delete old message bodies."""
        from ssd_gateway.cli.errors import exit_on_error
        from ssd_gateway.gateway.retention import apply_retention
        from ssd_gateway.gateway.runtime import Gateway
        from ssd_gateway.settings import load_settings

        with exit_on_error():
            gateway = Gateway.open(load_settings(config))
            try:
                run = apply_retention(gateway, days)
            finally:
                gateway.close()
        typer.echo(f"retention: {run.sent} sent and {run.received} received bodies deleted")

    @app.command()
    def serve(
        config: Path = typer.Option(..., "--config", "-c", exists=True, dir_okay=False,
                                    help="gateway.toml"),
    ) -> None:
        """Start gatewayen (føderation, lokal API, levering). / Start the gateway."""
        import signal
        import threading

        from ssd_gateway.cli.errors import exit_on_error
        from ssd_gateway.gateway.node import GatewayNode
        from ssd_gateway.gateway.runtime import Gateway
        from ssd_gateway.logs import configure_logging
        from ssd_gateway.settings import load_settings

        with exit_on_error():
            settings = load_settings(config)
            configure_logging(settings.log_format, settings.data_dir / "gateway.log")
            node = GatewayNode(Gateway.open(settings)).start()
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        typer.echo(f"federation: {node.federation_url}", color=False)
        typer.echo(f"local api: {node.api_url}", color=False)
        try:
            stop.wait()
        finally:
            node.stop()

"""``ssd-gateway worker``, ``beat`` and ``sweeper``: the production delivery processes.

Each builds the Celery app from the settings (``--config`` and ``SSD_*``), so the worker,
the sweeper and the submitting gateway agree on database, broker and queue.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

import typer

CONFIG = typer.Option(None, "--config", help="TOML settings file.")
QUEUE = typer.Option("ssd.deliver", "--queue", help="Delivery queue name.")
RUNTIME = typer.Option(
    "ssd_gateway.delivery.runtime:from_settings", "--runtime",
    help="MODULE:FUNCTION building the worker's transport, policy and audit from settings.",
)


def _app(config: Path | None, queue: str, runtime: str, **options: Any) -> Any:
    from ssd_gateway.delivery.celery_app import create_app
    from ssd_gateway.settings import load_settings

    return create_app(load_settings(config), queue=queue, runtime_factory=runtime, **options)


def worker(
    config: Path | None = CONFIG,
    queue: str = QUEUE,
    runtime: str = RUNTIME,
    pool: str = typer.Option("prefork", help="prefork (production), solo or threads."),
    concurrency: int = typer.Option(2, help="Worker processes/threads."),
    loglevel: str = typer.Option("INFO", help="Log level."),
    hostname: str | None = typer.Option(None, help="Node name (default: celery's)."),
) -> None:
    """Start a delivery worker. / Start en leveringsarbejder."""
    from ssd_gateway.delivery.celery_app import declare_topology, runtime_of

    app = _app(config, queue, runtime)
    if pool != "prefork":
        runtime_of(app)  # fail fast on a bad runtime; prefork children build their own
    declare_topology(app)
    options: dict[str, Any] = {"queues": [queue], "pool": pool, "concurrency": concurrency,
                               "loglevel": loglevel, "without_gossip": True,
                               "without_mingle": True}
    if hostname:
        options["hostname"] = hostname
    node = app.Worker(**options)
    node.start()
    raise typer.Exit(node.exitcode or 0)


def beat(
    config: Path | None = CONFIG,
    queue: str = QUEUE,
    interval: float = typer.Option(5.0, help="Seconds between sweeps."),
    loglevel: str = typer.Option("INFO", help="Log level."),
) -> None:
    """Start celery beat, which schedules the outbox sweep on the workers."""
    from ssd_gateway.settings import load_settings

    app = _app(config, queue, RUNTIME.default, sweep_interval=interval)
    schedule = load_settings(config).data_dir / "celerybeat-schedule"
    app.Beat(loglevel=loglevel, schedule=str(schedule)).run()


def sweeper(
    config: Path | None = CONFIG,
    queue: str = QUEUE,
    interval: float = typer.Option(2.0, help="Seconds between sweeps."),
    max_queued: int = typer.Option(2000, help="Most rows waiting in the broker at once."),
    redispatch_after: float = typer.Option(300.0, help="Seconds before a dispatched row "
                                           "that no worker claimed is dispatched again."),
) -> None:
    """Run the outbox sweeper loop (the alternative to beat; one or more may run)."""
    from datetime import timedelta

    from ssd_gateway.delivery.celery_app import declare_topology, dispatcher
    from ssd_gateway.delivery.runtime import session_factory_for
    from ssd_gateway.delivery.sweeper import Sweeper
    from ssd_gateway.settings import load_settings

    settings = load_settings(config)
    app = _app(config, queue, RUNTIME.default)
    declare_topology(app)
    loop = Sweeper(session_factory_for(settings), dispatcher(app), interval=interval,
                   max_queued=max_queued, redispatch_after=timedelta(seconds=redispatch_after))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo(f"sweeper on queue {queue}, every {interval}s")
    loop.run_forever(stop)


def register(app: typer.Typer) -> None:
    """Add ``worker``, ``beat`` and ``sweeper`` to the root command."""
    app.command()(worker)
    app.command()(beat)
    app.command()(sweeper)

"""The Celery side of delivery: an app configured from settings, and its two tasks.

Celery only *triggers* work: a message carries one outbox row id, and the row decides what
happens. Backends, chosen by ``broker_url`` (kombu style):

========================  =============================================================
``amqp://…`` (production)  durable queue ``<queue>`` with ``x-dead-letter-exchange``
                           ``<queue>.dlx`` → queue ``<queue>.dead``; ``x-max-priority`` 10
                           (acute underretninger are published with priority 9);
                           ``acks_late``, ``reject_on_worker_lost``, prefetch 1, so a
                           worker killed mid-task has its message redelivered, and a task
                           that raises is rejected without requeue, into ``<queue>.dead``.
``redis://…`` (optional)   same task settings; priority through kombu's priority steps; no
                           dead-letter exchange (the outbox ``dead`` state is the dead letter).
``sqla+sqlite:///…``       embedded default (derived from a SQLite ``database_url`` when no
                           ``broker_url`` is set); a worker inside the serve process with the
                           ``solo`` pool. At-most-once on a crash (kombu marks a row
                           invisible at delivery), which the sweeper turns into latency.
``memory://``              tests and single-process demos only.
========================  =============================================================

The module-global ``app`` (the one module global the project allows) exists for
``celery -A ssd_gateway.delivery.celery_app``; the gateway itself builds apps with
``create_app(settings)``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery import Celery, bootsteps
from kombu.entity import Exchange, Queue

from ssd_gateway.delivery.outbox import Dispatcher
from ssd_gateway.delivery.runtime import DEFAULT_RUNTIME, Runtime, load_factory
from ssd_gateway.delivery.sweeper import Sweeper
from ssd_gateway.exceptions import ConfigurationError
from ssd_gateway.settings import Settings, load_settings

log = logging.getLogger(__name__)

DELIVER_TASK = "ssd_gateway.deliver_transfer"
SWEEP_TASK = "ssd_gateway.sweep_outbox"
DEFAULT_QUEUE = "ssd.deliver"
ACUTE_PRIORITY = 9
NORMAL_PRIORITY = 0


def resolve_broker_url(settings: Settings) -> str:
    """The broker URL: as set, or the embedded SQLite broker next to a SQLite database."""
    if settings.broker_url:
        return settings.broker_url
    if settings.effective_database_url.startswith("sqlite"):
        return f"sqla+sqlite:///{settings.data_dir / 'broker.sqlite'}"
    raise ConfigurationError(
        "a PostgreSQL database needs a broker: set SSD_BROKER_URL=amqp://… (or redis://…)"
    )


def delivery_queues(broker_url: str, queue: str) -> tuple[Queue, ...]:
    """The work queue (and on RabbitMQ its dead-letter queue) for ``queue``."""
    if not broker_url.startswith(("amqp", "pyamqp")):
        return (_queue(queue, queue, queue),)
    arguments = {
        "x-dead-letter-exchange": f"{queue}.dlx",
        "x-dead-letter-routing-key": f"{queue}.dead",
        "x-max-priority": 10,
    }
    return (
        _queue(queue, queue, queue, arguments),
        _queue(f"{queue}.dead", f"{queue}.dlx", f"{queue}.dead"),
    )


def _queue(name: str, exchange: str, routing_key: str,
           arguments: dict[str, Any] | None = None) -> Queue:
    return Queue(  # type: ignore[no-untyped-call]
        name, Exchange(exchange, "direct"),  # type: ignore[no-untyped-call]
        routing_key=routing_key, queue_arguments=arguments, durable=True,
    )


def create_app(
    settings: Settings,
    *,
    queue: str = DEFAULT_QUEUE,
    runtime: Runtime | None = None,
    runtime_factory: str = DEFAULT_RUNTIME,
    sweep_interval: float = 5.0,
) -> Celery:
    """A Celery app for ``settings``; its tasks use ``runtime`` or build one lazily."""
    broker_url = resolve_broker_url(settings)
    if broker_url.startswith("sqla+sqlite:///"):
        _prepare_sqlite_broker(Path(broker_url.removeprefix("sqla+sqlite:///")))
    app = Celery("ssd_gateway", set_as_current=False, broker=broker_url)
    app.conf.update(_config(broker_url, queue, sweep_interval))
    app.ssd_settings = settings
    app.ssd_queue = queue
    app.ssd_runtime = runtime
    app.ssd_runtime_factory = runtime_factory
    app.ssd_runtime_lock = threading.Lock()
    _register_tasks(app)
    app.steps["consumer"].add(PromptHubCallbacks)
    return app


class PromptHubCallbacks(bootsteps.StartStopStep):  # type: ignore[misc]
    """Run callbacks the worker scheduled for "soon" before the event loop blocks again.

    kombu's hub runs ``call_soon`` callbacks at the top of each loop turn, then polls the
    sockets with a timeout of up to a few seconds. A callback scheduled *while* those
    callbacks run waits for the next turn, i.e. for the poll to return. With the ``solo``
    pool the task runs inside such a callback (kombu's reader re-schedules itself after each
    message), so its ``acks_late`` ack is one: the ack waits in the hub while the poll waits
    for the next message, which the broker holds back until it sees the ack (prefetch
    reached). Nothing moves until a timer ends the poll, about every 2 s. Measured on the
    delivery benchmark as bursts of work separated by ~2 s idle gaps with messages ready.

    This step registers a tick (run just before every poll) that wakes the hub when callbacks
    are pending, so the poll returns at once and the ack goes out. It only touches the
    hub's own wake-up mechanism and is a no-op on hubs without those internals.
    """

    label = "prompt hub callbacks"

    def start(self, parent: Any) -> None:
        hub = getattr(parent, "hub", None)
        if hub is None or not hasattr(hub, "_ready") or not hasattr(hub, "on_tick"):
            return

        def wake_if_pending() -> None:
            waker = getattr(hub, "_waker", None)
            if hub._ready and waker is not None:
                waker.wake()

        hub.on_tick.add(wake_if_pending)


def _prepare_sqlite_broker(path: Path) -> None:
    """Put the broker file in WAL mode (persistent), so publishing and polling overlap."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


def _config(broker_url: str, queue: str, sweep_interval: float) -> dict[str, Any]:
    config: dict[str, Any] = {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": False,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "result_backend": None,
        "task_queues": delivery_queues(broker_url, queue),
        "task_default_queue": queue,
        "task_default_exchange": queue,
        "task_default_routing_key": queue,
        "task_create_missing_queues": False,
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "beat_schedule": {
            "ssd-sweep-outbox": {
                "task": SWEEP_TASK,
                "schedule": timedelta(seconds=sweep_interval),
                "options": {"priority": ACUTE_PRIORITY, "expires": sweep_interval},
            }
        },
    }
    if broker_url.startswith("redis"):
        config["broker_transport_options"] = {
            "priority_steps": list(range(10)), "queue_order_strategy": "priority",
        }
    return config


def runtime_of(app: Celery) -> Runtime:
    """The app's ``Runtime``, built once per process from its factory when not given."""
    with app.ssd_runtime_lock:
        if app.ssd_runtime is None:
            factory = load_factory(app.ssd_runtime_factory)
            app.ssd_runtime = factory(app.ssd_settings)
        runtime: Runtime = app.ssd_runtime
        return runtime


def _register_tasks(app: Celery) -> None:
    @app.task(name=DELIVER_TASK, ignore_result=True, shared=False)  # type: ignore[untyped-decorator]
    def deliver_transfer(transfer_id: str) -> str:
        """Deliver outbox row ``transfer_id`` if it is due (a no-op otherwise)."""
        return str(runtime_of(app).deliver(transfer_id).outcome.value)

    @app.task(name=SWEEP_TASK, ignore_result=True, shared=False)  # type: ignore[untyped-decorator]
    def sweep_outbox() -> int:
        """Re-enqueue due rows and rows whose lease expired (run by beat)."""
        return sweeper_for(app).sweep_once()


def dispatcher(app: Celery) -> Dispatcher:
    """A ``Dispatcher`` that publishes ``deliver_transfer(id)`` on the app's queue."""
    queue = app.ssd_queue

    def dispatch(transfer_id: str, acute: bool) -> None:
        app.send_task(
            DELIVER_TASK, args=(transfer_id,), queue=queue,
            priority=ACUTE_PRIORITY if acute else NORMAL_PRIORITY,
        )

    return dispatch


def sweeper_for(app: Celery, **options: Any) -> Sweeper:
    """A ``Sweeper`` on the app's database that dispatches through the app's broker."""
    return Sweeper(runtime_of(app).session_factory, dispatcher(app), **options)


def declare_topology(app: Celery) -> None:
    """Declare the work queue and its dead-letter queue on the broker (idempotent)."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in app.conf.task_queues:
            queue.bind(channel).declare()


def _module_app() -> Celery:
    try:
        return create_app(load_settings())
    except ConfigurationError:
        return Celery("ssd_gateway", set_as_current=False)


#: for ``celery -A ssd_gateway.delivery.celery_app``; configured from the environment
app: Celery = _module_app()

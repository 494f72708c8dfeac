"""Alembic migrations for every table of the gateway (script location ``ssd_gateway:migrations``).

The migrations ship inside the package, so an installed gateway can upgrade its own database:
``ssd-gateway db upgrade`` at integration, or ``upgrade(url)`` here, or from a checkout
``alembic upgrade head`` (``alembic.ini`` at the repository root points here). ``env.py`` is
generic: it imports the modules in ``TABLE_MODULES`` so that their tables are on
``ssd_gateway.db.Base.metadata``; a part that adds tables adds its module there and a
revision under ``versions/``.
"""

from __future__ import annotations

import importlib

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

#: modules that declare tables on ``ssd_gateway.db.Base``
TABLE_MODULES: tuple[str, ...] = (
    "ssd_gateway.delivery.outbox",
    "ssd_gateway.accounts",
    "ssd_gateway.alerts",
    "ssd_gateway.audit.store",
    "ssd_gateway.gateway.children",
    "ssd_gateway.gateway.peer_certs",
    "ssd_gateway.gateway.received",
    "ssd_gateway.gateway.transfers",
    "ssd_gateway.quarantine.table",
    "ssd_gateway.registry.tables",
    "ssd_gateway.transport.inbox",
    "ssd_gateway.web.sessions",
)


def load_table_modules() -> None:
    """Import every module in ``TABLE_MODULES`` (registers their tables on ``Base``)."""
    for name in TABLE_MODULES:
        importlib.import_module(name)


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for this package's migrations on ``url`` or ``connection``."""
    config = Config()
    config.set_main_option("script_location", "ssd_gateway:migrations")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None, revision: str = "head", *,
            connection: Connection | None = None) -> None:
    """Upgrade the database at ``url`` (or on ``connection``) to ``revision``."""
    command.upgrade(alembic_config(url, connection), revision)

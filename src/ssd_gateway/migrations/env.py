"""Alembic environment: generic over every table on ``ssd_gateway.db.Base``.

The URL comes from, in order: a connection passed in ``config.attributes["connection"]``,
``sqlalchemy.url`` in the Alembic config, or the gateway settings (``SSD_DATABASE_URL``, else
the SQLite file in the data directory).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from ssd_gateway.db import Base, make_engine
from ssd_gateway.migrations import load_table_modules

load_table_modules()
config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from ssd_gateway.settings import load_settings

    return load_settings().effective_database_url


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """Emit SQL without a database (``alembic upgrade head --sql``)."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate a live database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as fresh:
        _run(fresh)
        fresh.commit()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

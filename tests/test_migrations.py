"""The Alembic migrations create exactly the tables the models declare, on both databases."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from ssd_gateway.db import Base, make_engine
from ssd_gateway.migrations import load_table_modules, upgrade


def _differences(url: str) -> list[object]:
    load_table_modules()
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    return [d for d in diff if "test_audit" not in repr(d)]


def test_sqlite_migrations_match_the_models(tmp_path: Path) -> None:
    """upgrade head on an empty SQLite file leaves no difference to the models."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(url)
    assert _differences(url) == []


@pytest.mark.services
def test_postgresql_migrations_match_the_models(postgres_url: str) -> None:
    """upgrade head in a fresh PostgreSQL database leaves no difference to the models."""
    name = f"ssd_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        assert _differences(url) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

"""Shared fixtures: sample messages, service reachability, paths to shared tools."""

from __future__ import annotations

import os
import shutil
import socket
from datetime import date
from pathlib import Path

import pytest

from ssd_gateway.model import Message
from ssd_gateway.samples import sample_messages

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
TODAY = date(2026, 3, 10)


def service_available(host: str, port: int, what: str) -> None:
    """Skip (or fail when SSD_REQUIRE_SERVICES=1) unless ``host:port`` accepts connections."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return
    except OSError as exc:
        message = f"{what} unreachable at {host}:{port} ({exc})"
        if os.environ.get("SSD_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " and SSD_REQUIRE_SERVICES=1")
        pytest.skip(message)


def require_tool(name: str, install_hint: str) -> str:
    """Return the path of ``name``; skip visibly (fail under SSD_REQUIRE_SERVICES=1) if absent."""
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} not installed ({install_hint})"
    if os.environ.get("SSD_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " and SSD_REQUIRE_SERVICES=1")
    pytest.skip(message)


@pytest.fixture(scope="session")
def today() -> date:
    """The fixed day the sample records are dated around."""
    return TODAY


@pytest.fixture(scope="session")
def messages() -> dict[str, Message]:
    """One validated sample message of every record kind."""
    return sample_messages(TODAY)


@pytest.fixture
def postgres_url() -> str:
    """URL of the machine's PostgreSQL (skips or fails when unreachable)."""
    service_available("127.0.0.1", 5432, "PostgreSQL")
    return os.environ.get("SSD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def rabbitmq_url() -> str:
    """URL of the machine's RabbitMQ (skips or fails when unreachable)."""
    service_available("127.0.0.1", 5672, "RabbitMQ")
    return "amqp://guest:guest@127.0.0.1:5672//"


@pytest.fixture
def redis_url() -> str:
    """URL of the machine's Redis (skips or fails when unreachable)."""
    service_available("127.0.0.1", 6379, "Redis")
    return "redis://127.0.0.1:6379/0"

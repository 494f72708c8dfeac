"""Fixtures of the FHIR tests: every sample message rendered as a Bundle at a fixed time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ssd_gateway.fhir import message_to_bundle
from ssd_gateway.model import Message, ValidationSettings
from tests.conftest import TODAY

STAMP = datetime(2026, 3, 10, 11, 0, 5, tzinfo=UTC)
SETTINGS = ValidationSettings(today=TODAY)


@pytest.fixture(scope="session")
def bundles(messages: dict[str, Message]) -> dict[str, dict[str, Any]]:
    """Every sample message as a message Bundle (fixed timestamp, fresh Bundle.id)."""
    return {kind: message_to_bundle(m, timestamp=STAMP) for kind, m in messages.items()}


def resources(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    """Return the bundled resources of one type."""
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == resource_type]


def codings(value: Any) -> list[dict[str, Any]]:
    """Return every dict with a ``system`` and a ``code`` anywhere inside ``value``."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if "system" in value and "code" in value:
            found.append(value)
        for child in value.values():
            found += codings(child)
    elif isinstance(value, list):
        for child in value:
            found += codings(child)
    return found

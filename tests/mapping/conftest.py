"""Fixtures of the mapping tests: the shipped mappings, their examples and a fixed 'today'."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ssd_gateway.mapping import Mapping, load_mapping
from ssd_gateway.model import ValidationSettings

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"
EXAMPLES = MAPPINGS / "examples"
SETTINGS = ValidationSettings(today=date(2026, 6, 1))


@pytest.fixture(scope="session")
def school() -> Mapping:
    """The school system's stafetlog mapping (XML)."""
    return load_mapping(MAPPINGS / "elevsystem-stafetlog.yaml")


@pytest.fixture(scope="session")
def daycare() -> Mapping:
    """The daycare system's consent mapping (CSV, Windows-1252)."""
    return load_mapping(MAPPINGS / "dagtilbud-samtykker.yaml")


@pytest.fixture(scope="session")
def health() -> Mapping:
    """The health-visitor journal's underretning mapping (JSON)."""
    return load_mapping(MAPPINGS / "sundhedspleje-underretning.yaml")

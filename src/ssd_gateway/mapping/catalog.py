"""Find mapping files: the shipped ``mappings/`` directory, or any directory given."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from ssd_gateway.exceptions import NotFound
from ssd_gateway.mapping.loader import Mapping, load_mapping
from ssd_gateway.resources import data_dir


def mapping_files(directories: Iterable[Path] | None = None) -> list[Path]:
    """Every ``*.yaml`` mapping file directly in the given directories (default: shipped)."""
    dirs = list(directories) if directories is not None else [data_dir("mappings")]
    return sorted(p for d in dirs if d.is_dir() for p in d.glob("*.yaml"))


def _declared_id(path: Path) -> str | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def find_mapping(mapping_id: str, directories: Iterable[Path] | None = None) -> Mapping:
    """Load the mapping whose ``id`` is ``mapping_id``; raise NotFound if none has it."""
    for path in mapping_files(directories):
        if _declared_id(path) == mapping_id:
            return load_mapping(path)
    raise NotFound(f"no mapping with id '{mapping_id}'")

"""YAML loading for packs and profiles, with the C loader when PyYAML has one."""

from __future__ import annotations

from typing import Any

import yaml

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader


def load_yaml(text: str) -> Any:
    """Parse ``text`` safely (no Python object tags)."""
    return yaml.load(text, Loader=_Loader)

"""Bundles are plain JSON data: no Python objects (enums, dates) hide in the dicts."""

from __future__ import annotations

import json
from typing import Any

from ssd_gateway.fhir import message_to_bundle
from ssd_gateway.model import Message


def _plain(value: Any) -> bool:
    """True if ``value`` is made only of JSON's own types."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


def test_every_sample_bundle_is_plain_json(messages: dict[str, Message]) -> None:
    """Each kind's Bundle holds only str/int/float/bool/None/list/dict and survives JSON."""
    for kind, message in messages.items():
        bundle = message_to_bundle(message)
        assert _plain(bundle), kind
        assert json.loads(json.dumps(bundle)) == bundle

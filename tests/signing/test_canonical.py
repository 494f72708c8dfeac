"""``canonical_json`` gives exactly ``rfc8785.dumps``'s bytes, or its error, for any value."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ssd_gateway.fhir import message_to_bundle
from ssd_gateway.samples import sample_messages
from ssd_gateway.signing.jws import _json_native, canonical_json

SAFE = 2**53 - 1
scalars = (st.none() | st.booleans() | st.text() | st.floats()
           | st.integers(min_value=-SAFE, max_value=SAFE) | st.integers())
keys = st.text(max_size=6) | st.text(alphabet=st.characters(max_codepoint=127), max_size=6)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(keys, inner, max_size=4), max_leaves=30)


def _outcome(fn: Any, value: Any) -> tuple[str, Any]:
    try:
        return "bytes", fn(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        return "error", type(exc)


@settings(max_examples=600, deadline=None)
@given(values)
def test_same_bytes_or_same_error_as_rfc8785(value: Any) -> None:
    """Arbitrary JSON-like values: floats, huge integers, non-ASCII keys, surrogates included."""
    assert _outcome(canonical_json, value) == _outcome(rfc8785.dumps, value)


def test_every_control_character_and_escape() -> None:
    """U+0000–U+001F, quote, backslash, DEL, non-BMP and RTL text serialise identically."""
    text = "".join(chr(i) for i in range(0x80)) + "æøå ÆØÅ € 😀 \u2028\u2029 \ufeff שלום"
    value = {"text": text, "list": [text, 0, -SAFE, SAFE, True, False, None], "": {}}
    assert _json_native(value)
    assert canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("value", [
    {"x": 1.5}, {"x": 2**53}, {"æ": 1}, {"\ud800": 1}, {"x": "\ud800"}, {"x": (1, 2)},
    {1: "x"}, {"x": float("nan")},
])
def test_anything_unusual_goes_to_rfc8785(value: Any) -> None:
    """Outside the native subset, rfc8785 decides (and may refuse)."""
    assert _outcome(canonical_json, value) == _outcome(rfc8785.dumps, value)


def test_every_sample_message_bundle() -> None:
    """The Bundles the gateway signs match rfc8785; as received (parsed JSON) they take the
    fast path (a rendered Bundle may still hold a str enum, which rfc8785 serialises)."""
    for message in sample_messages(date.today()).values():
        bundle = message_to_bundle(message, bundle_id=str(uuid.uuid4()))
        assert canonical_json(bundle) == rfc8785.dumps(bundle)
        received = json.loads(json.dumps(bundle))
        assert _json_native(received)
        assert canonical_json(received) == rfc8785.dumps(received) == rfc8785.dumps(bundle)

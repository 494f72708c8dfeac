"""ANO-1: an anonymous consultation carries nothing that identifies the child."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ssd_gateway.policy.request import looks_like_cpr
from ssd_gateway.policy.rules.base import Context, Failure, transfer_check


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _names(name: str | None) -> list[re.Pattern[str]]:
    if not name:
        return []
    parts = [name, *name.split()]
    return [re.compile(rf"(?<!\w){re.escape(p)}(?!\w)", re.IGNORECASE) for p in parts if len(p) > 1]


@transfer_check("ANO-1")
def contains_identifier(ctx: Context) -> Failure | None:
    """No CPR-like number (with or without dash), no child id, no child name, no identity."""
    transfer, child = ctx.request.transfer, ctx.request.child
    found: list[tuple[str, str]] = []
    if "identity" in transfer.categories:
        found.append(("identitetsoplysninger", "identity information"))
    names = _names(child.name)
    for text in _texts(transfer.payload):
        if looks_like_cpr(text) or (len(child.id) >= 6 and child.id in text.replace("-", "")):
            found.append(("et CPR-nummer eller barnets id", "a CPR number or the child's id"))
        if any(p.search(text) for p in names):
            found.append(("barnets navn", "the child's name"))
    if not found:
        return None
    unique = list(dict.fromkeys(found))
    return {
        "what_da": ", ".join(da for da, _ in unique),
        "what_en": ", ".join(en for _, en in unique),
    }

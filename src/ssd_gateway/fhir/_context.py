"""What a record mapper gets while rendering, and what it hands back while reading."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ssd_gateway.fhir._bundle import BundleBuilder, BundleIndex
from ssd_gateway.fhir._node import Node


@dataclass
class RenderContext:
    """The Bundle under construction and the fullUrls a record's resources refer to."""

    b: BundleBuilder
    sender_url: str
    receiver_url: str
    residual_url: str
    #: record fields (dotted paths) the FHIR elements carry; the rest goes to the residual
    consumed: set[str] = field(default_factory=lambda: {"kind"})

    def consume(self, *paths: str) -> None:
        """Mark record fields as carried by FHIR elements."""
        self.consumed.update(paths)


@dataclass
class ReadContext:
    """The Bundle being read; ``origins`` maps record paths to the FHIR paths they came from."""

    index: BundleIndex
    origins: dict[str, str] = field(default_factory=dict)

    def note(self, record_path: str, node: Node) -> None:
        """Remember that the record field at ``record_path`` was read from ``node``."""
        self.origins[f"record.{record_path}" if record_path else "record"] = node.path


#: kind → (render(record, ctx) → focus resource, read(focus, ctx) → record data)
Render = Callable[[Any, RenderContext], dict[str, Any]]
Read = Callable[[Node, ReadContext], dict[str, Any]]

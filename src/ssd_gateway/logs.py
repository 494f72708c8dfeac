"""Structured application logs (structlog): JSON in production, readable in a terminal.

Every line carries the transfer id when there is one, and never a CPR number, a name or
message text. The ``redact`` processor is the last line of defence: any value that contains
a CPR-like number is replaced, and keys that carry free text are dropped, before rendering.
Call sites log ids and codes only.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any, TextIO

import structlog

from ssd_gateway.model.cpr import CPR_IN_TEXT

#: keys whose values are free text or personal; never rendered
FORBIDDEN_KEYS = frozenset({"name", "text", "body", "payload", "cpr", "child_name", "content",
                            "message_text", "note", "question"})
REDACTED = "[redacted]"


def redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Drop free-text keys and mask CPR-like numbers in every remaining value."""
    for key in list(event):
        if key in FORBIDDEN_KEYS:
            event[key] = REDACTED
            continue
        value = event[key]
        if isinstance(value, str) and CPR_IN_TEXT.search(value):
            event[key] = CPR_IN_TEXT.sub("##########", value)
    return event


def configure_logging(fmt: str = "console", log_file: Path | None = None,
                      level: int = logging.INFO) -> None:
    """Set up structlog once: ``json`` or ``console`` rendering, to stderr or ``log_file``."""
    stream: TextIO = sys.stderr
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        stream = log_file.open("a", encoding="utf-8")
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json" or log_file is not None
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    """Return a bound logger for ``name`` (a module or component)."""
    return structlog.get_logger(component=name)

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
from typing import Any

import structlog

from ssd_gateway.model.cpr import mask_cpr

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
        if isinstance(value, str):
            event[key] = mask_cpr(value)
    return event


def configure_logging(fmt: str = "console", log_file: Path | None = None,
                      level: int = logging.INFO) -> None:
    """Send structlog and standard-library logs through one pipeline, ending in ``redact``.

    JSON lines to ``log_file`` (or, with ``fmt="json"``, to stderr), readable lines otherwise.
    Libraries' own loggers (uvicorn, Celery, kombu) are kept at WARNING.
    """
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json" or log_file is not None
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler: logging.Handler
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=shared))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("uvicorn", "uvicorn.error", "celery", "kombu", "amqp", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    """Return a bound logger for ``name`` (a module or component)."""
    return structlog.get_logger(name, component=name)

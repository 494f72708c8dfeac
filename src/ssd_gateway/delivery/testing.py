"""Fakes for delivery tests and benchmarks, public so other parts can use them too.

- ``CountingTransport``: an in-process ``Transport`` that records every message and counts the
  effect of each logical message once (by ``message_id``), like a receiver that deduplicates.
- ``CountingReceiver``: the same receiver as a real HTTP server on loopback, in a thread, that
  can be taken down (connection refused), made to answer 503, or given poison message ids.
- ``LoopbackHttpTransport``: a plain-HTTP ``Transport`` for that receiver (the real mTLS one
  lives in ``ssd_gateway.transport``); 5xx/429 and connection errors are recoverable.
- ``ListAuditSink`` / ``TableAuditSink``: audit sinks that keep events in memory or write one
  row per event in the caller's transaction (to prove rows and evidence commit together).
- ``loopback_runtime``: a ``Runtime`` factory for worker processes in fault tests
  (``SSD_TEST_RECEIVER_URL``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert
from sqlalchemy.orm import Session

from ssd_gateway.contracts import Acknowledgement, AuditEvent, OutboundMessage
from ssd_gateway.delivery.backoff import RetryPolicy
from ssd_gateway.delivery.deliver import permit_all
from ssd_gateway.delivery.runtime import Runtime, session_factory_for
from ssd_gateway.exceptions import PermanentDeliveryError, RecoverableDeliveryError
from ssd_gateway.settings import Settings


@dataclass
class Ledger:
    """What a receiver saw: every receipt, and each logical message's effect once."""

    receipts: Counter[str] = field(default_factory=Counter)
    effects: list[str] = field(default_factory=list)
    bundles: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, message_id: str, bundle_id: str) -> bool:
        """Record one receipt; return True if it was the first (the effect happens once)."""
        with self.lock:
            self.receipts[message_id] += 1
            self.bundles.add(bundle_id)
            if self.receipts[message_id] == 1:
                self.effects.append(message_id)
                return True
            return False

    @property
    def duplicates(self) -> int:
        """Receipts beyond the first of each message (deduplicated, without effect)."""
        return sum(self.receipts.values()) - len(self.receipts)


class CountingTransport:
    """An in-process receiver: ``ok`` for everything except ``fail`` / ``fatal`` message ids."""

    def __init__(self) -> None:
        self.ledger = Ledger()
        self.fail: set[str] = set()
        self.fatal: set[str] = set()
        self.down = False

    def send(self, message: OutboundMessage) -> Acknowledgement:
        """Answer like a deduplicating receiver."""
        if self.down:
            raise RecoverableDeliveryError("receiver down")
        if message.message_id in self.fail:
            raise RecoverableDeliveryError("receiver error 500")
        if message.message_id in self.fatal:
            raise PermanentDeliveryError("receiver refused the message")
        self.ledger.receive(message.message_id, message.bundle_id)
        return Acknowledgement("ok", message.message_id, message.bundle_id)


class _ReceiverHandler(BaseHTTPRequestHandler):
    receiver: ClassVar[CountingReceiver]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        message_id = self.headers.get("X-Message-Id", "")
        if self.receiver.delay:
            time.sleep(self.receiver.delay)
        status = self.receiver.status_for(message_id)
        if status == 200:
            self.receiver.ledger.receive(message_id, self.headers.get("X-Bundle-Id", ""))
        body = json.dumps({"code": "ok" if status == 200 else "error"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: receipts are counted, not logged."""


class CountingReceiver:
    """A deduplicating HTTP receiver on 127.0.0.1 that can be stopped and started again."""

    def __init__(self, port: int = 0) -> None:
        self.ledger = Ledger()
        self.poison: set[str] = set()
        self.unavailable = False
        self.delay = 0.0
        self.port = port
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Where to POST messages."""
        return f"http://127.0.0.1:{self.port}/message"

    def status_for(self, message_id: str) -> int:
        """503 while unavailable, 500 for poison, else 200."""
        if self.unavailable:
            return 503
        return 500 if message_id in self.poison else 200

    def start(self) -> None:
        """Listen (on the same port as before, after a ``stop``)."""
        handler = type("Handler", (_ReceiverHandler,), {"receiver": self})
        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Close the listening socket: senders get connection refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @contextmanager
    def running(self) -> Iterator[CountingReceiver]:
        """Start, yield, stop."""
        self.start()
        try:
            yield self
        finally:
            self.stop()


class LoopbackHttpTransport:
    """POSTs a message to a plain-HTTP receiver; errors map to the gateway's error classes."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url
        self.client = httpx.Client(timeout=timeout)

    def send(self, message: OutboundMessage) -> Acknowledgement:
        """POST ``message``; 2xx is ``ok``, 5xx/429/no answer recoverable, other 4xx permanent."""
        try:
            response = self.client.post(self.url, content=message.body, headers={
                "Content-Type": message.media_type, "X-Message-Id": message.message_id,
                "X-Bundle-Id": message.bundle_id, "X-Transfer-Id": message.transfer_id,
            })
        except httpx.TransportError as exc:
            raise RecoverableDeliveryError(type(exc).__name__) from exc
        status = response.status_code
        if status >= 500 or status == 429:
            raise RecoverableDeliveryError(f"HTTP {status}")
        if status >= 400:
            raise PermanentDeliveryError(f"HTTP {status}")
        return Acknowledgement("ok", message.message_id, message.bundle_id)


class ListAuditSink:
    """Keeps events in a list (no database)."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def append(self, session: Any, event: AuditEvent) -> None:
        """Remember ``event``."""
        self.events.append(event)


test_audit_metadata = MetaData()
test_audit_table = Table(
    "delivery_test_audit", test_audit_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("transfer_id", String(36)),
    Column("consent_id", String(200)),
    Column("at", DateTime),
    Column("detail", Text),
)


class TableAuditSink:
    """Writes one ``delivery_test_audit`` row per event in the caller's session."""

    def append(self, session: Session, event: AuditEvent) -> None:
        """Insert ``event`` (committed or rolled back with the caller's transaction)."""
        session.execute(insert(test_audit_table).values(
            kind=event.kind, actor=event.actor, transfer_id=event.transfer_id,
            consent_id=event.consent_id, at=event.at.replace(tzinfo=None),
            detail=json.dumps({**event.detail, "reasons": list(event.reason_codes)},
                              sort_keys=True, default=str),
        ))


def loopback_runtime(settings: Settings) -> Runtime:
    """Runtime for fault-test workers: HTTP to ``SSD_TEST_RECEIVER_URL``, table audit."""
    return Runtime(
        session_factory=session_factory_for(settings, pool_size=2),
        transport=LoopbackHttpTransport(
            os.environ.get("SSD_TEST_RECEIVER_URL", "http://127.0.0.1:9/message")),
        redecide=permit_all, audit=TableAuditSink(),
        policy=RetryPolicy.from_settings(settings.delivery),
    )

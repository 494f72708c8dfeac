"""What a delivery worker needs from the rest of the gateway, bundled once per process.

Workers started as separate processes (``ssd-gateway worker``) build their ``Runtime`` from
the settings through a factory named ``module:function``. The default, ``from_settings``,
joins the gateway's own transport, policy engine and audit log; while those parts are not
installed it refuses to start rather than send without a re-decision or evidence.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ssd_gateway.contracts import AuditSink, Transport
from ssd_gateway.db import make_engine, make_sessionmaker
from ssd_gateway.delivery.backoff import RetryPolicy
from ssd_gateway.delivery.deliver import DeliveryResult, Notify, OnAcked, Redecide, deliver
from ssd_gateway.delivery.timeutil import Clock, utcnow
from ssd_gateway.exceptions import ConfigurationError
from ssd_gateway.settings import Settings

DEFAULT_RUNTIME = "ssd_gateway.delivery.runtime:from_settings"


@dataclass
class Runtime:
    """The collaborators of ``deliver`` in one process."""

    session_factory: sessionmaker[Session]
    transport: Transport
    redecide: Redecide
    audit: AuditSink
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    notify: Notify | None = None
    clock: Clock = utcnow
    actor: str = "delivery"
    on_acked: OnAcked | None = None

    def deliver(self, transfer_id: str) -> DeliveryResult:
        """Run ``deliver`` for ``transfer_id`` with these collaborators."""
        return deliver(
            transfer_id, session_factory=self.session_factory, transport=self.transport,
            redecide=self.redecide, audit=self.audit, clock=self.clock, policy=self.policy,
            notify=self.notify, actor=self.actor, on_acked=self.on_acked,
        )


RuntimeFactory = Callable[[Settings], Runtime]


def session_factory_for(settings: Settings, **engine_options: Any) -> sessionmaker[Session]:
    """A session factory on the settings' database."""
    return make_sessionmaker(make_engine(settings.effective_database_url, **engine_options))


def load_factory(path: str) -> RuntimeFactory:
    """Import ``module:function``; a ``ConfigurationError`` if it does not exist."""
    module_name, _, attribute = path.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"runtime factory {path!r} not found") from exc
    if not callable(factory):
        raise ConfigurationError(f"runtime factory {path!r} is not callable")
    return factory  # type: ignore[no-any-return]


def from_settings(settings: Settings) -> Runtime:
    """The gateway's own runtime: mTLS transport, policy re-decision and evidence log."""
    from ssd_gateway.gateway.delivery_runtime import from_settings as gateway_runtime

    return gateway_runtime(settings)

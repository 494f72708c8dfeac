"""Durable delivery: a transactional outbox that Celery only triggers.

The outbox row (``outbox.Transfer``) is the truth; a broker message carries a row id and may be
lost or duplicated without harm: the sweeper finds rows that need a worker again, and a claim
with a lease makes a duplicate a no-op. Modules, one concept each:

- ``states``: the state machine.       - ``outbox``: the table and ``enqueue``.
- ``backoff``: ``RetryPolicy``, full jitter.  - ``deliver``: claim, re-decide, send, record.
- ``sweeper``: re-enqueues due and lease-expired rows.
- ``celery_app``: ``create_app(settings)``, the tasks, the module-global ``app``.
- ``embedded``: worker + sweeper threads inside the serve process.
- ``operations``: operator list/show/retry/cancel/dead letters/purge, audited.
- ``revocation``: consent revocation fan-out.  - ``retention``: body deletion after N days.
- ``runtime``: the collaborators of a worker process.  - ``testing``: fakes.

Backends (chosen by URL in settings, same code on both):

===================  ======================  ===============================================
database             broker                  what is supported
===================  ======================  ===============================================
``sqlite:///…``      ``sqla+sqlite:///…``    embedded default: one process, solo-pool worker
                     (derived)               thread + sweeper thread; claims by conditional
                                             UPDATE; no priority in the broker (the sweeper
                                             orders acute first); broker at-most-once on a
                                             crash, made whole by the sweeper.
``postgresql://…``   ``amqp://…``            production: separate worker, sweeper/beat
                                             processes; ``FOR UPDATE SKIP LOCKED`` claims;
                                             ``acks_late``, ``reject_on_worker_lost``,
                                             prefetch 1, priority queue (acute = 9),
                                             dead-letter exchange ``<queue>.dlx``.
``postgresql://…``   ``redis://…``           optional: as above, without the dead-letter
                                             exchange.
===================  ======================  ===============================================
"""

from __future__ import annotations

from ssd_gateway.delivery.backoff import RetryPolicy
from ssd_gateway.delivery.deliver import (
    DeliveryResult,
    Outcome,
    Redecide,
    SenderNotice,
    deliver,
    permit_all,
)
from ssd_gateway.delivery.outbox import Dispatcher, NewTransfer, Transfer, enqueue
from ssd_gateway.delivery.revocation import FanoutResult, revoke_consent_fanout
from ssd_gateway.delivery.runtime import Runtime
from ssd_gateway.delivery.states import TransferState
from ssd_gateway.delivery.sweeper import Sweeper

__all__ = [
    "DeliveryResult",
    "Dispatcher",
    "FanoutResult",
    "NewTransfer",
    "Outcome",
    "Redecide",
    "RetryPolicy",
    "Runtime",
    "SenderNotice",
    "Sweeper",
    "Transfer",
    "TransferState",
    "deliver",
    "enqueue",
    "permit_all",
    "revoke_consent_fanout",
]

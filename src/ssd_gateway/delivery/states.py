"""The life of one transfer row, and which states a worker or an operator may act on.

::

    pending ──claim──▶ sending ──ok──────────────▶ acked
       ▲                 │ ├──transient/recoverable──▶ transient_error ──(due)──▶ sending …
       │                 │ ├──fatal/permanent/exhausted/too old──▶ dead
       │                 │ └──re-decision denies──▶ cancelled
       └──operator retry─┴── dead | transient_error
    pending | transient_error ──revocation or operator cancel──▶ cancelled
    (submit-time refusal, recorded for the sender to follow)    denied

``sending`` carries a lease (``lease_until``); when it expires the row is claimable again, so a
worker killed mid-send costs one attempt, never the transfer.
"""

from __future__ import annotations

from enum import StrEnum


class TransferState(StrEnum):
    """Where one transfer is in its delivery."""

    PENDING = "pending"
    SENDING = "sending"
    ACKED = "acked"
    TRANSIENT_ERROR = "transient_error"
    DEAD = "dead"
    CANCELLED = "cancelled"
    DENIED = "denied"


#: states a worker may claim when the row is due
WAITING: frozenset[TransferState] = frozenset(
    {TransferState.PENDING, TransferState.TRANSIENT_ERROR}
)
#: states that have not reached the receiver yet and can still be stopped
UNDELIVERED: frozenset[TransferState] = WAITING | {TransferState.SENDING}
#: states an operator may send again
RETRYABLE: frozenset[TransferState] = frozenset(
    {TransferState.DEAD, TransferState.TRANSIENT_ERROR, TransferState.PENDING}
)
#: states that never change again on their own
FINAL: frozenset[TransferState] = frozenset(
    {TransferState.ACKED, TransferState.DEAD, TransferState.CANCELLED, TransferState.DENIED}
)

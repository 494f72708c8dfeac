"""Retry timing: exponential backoff with full jitter, kept in the row, never in the broker.

Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter") draws the wait uniformly
from ``[0, min(cap, base · 2^(attempt-1))]``, which spreads a herd of retries after a peer
outage instead of synchronising them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from ssd_gateway.settings import DeliverySettings


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a transfer is retried before it becomes a dead letter."""

    max_attempts: int = 8
    max_age: timedelta = timedelta(days=1)
    base_seconds: float = 2.0
    cap_seconds: float = 600.0
    lease: timedelta = timedelta(seconds=60)

    @classmethod
    def from_settings(cls, settings: DeliverySettings) -> RetryPolicy:
        """The policy described by the ``[delivery]`` settings section."""
        return cls(
            max_attempts=settings.max_attempts,
            max_age=timedelta(seconds=settings.max_age_seconds),
            base_seconds=settings.backoff_base_seconds,
            cap_seconds=settings.backoff_max_seconds,
            lease=timedelta(seconds=settings.lease_seconds),
        )

    def ceiling(self, attempt: int) -> float:
        """The longest wait after failed attempt number ``attempt`` (1-based)."""
        exponent = min(max(attempt - 1, 0), 62)
        return float(min(self.cap_seconds, self.base_seconds * (2.0**exponent)))

    def delay(self, attempt: int, rng: random.Random | None = None) -> timedelta:
        """A full-jitter wait after failed attempt ``attempt``."""
        draw = (rng or random).uniform(0.0, self.ceiling(attempt))
        return timedelta(seconds=draw)

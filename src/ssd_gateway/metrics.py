"""Prometheus metrics. No label ever carries a person's identity: only kinds, states,
decisions, reason codes and organisation ids of peers (organisations, not persons).

Event counters and histograms are updated where things happen; gauges that describe state
(queue depth, oldest pending age, dead letters, quarantine size, certificate expiry, overdue
receipts) are read from the database at scrape time through ``StateCollector`` callbacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

#: label names allowed on any metric; anything else is a programming error
ALLOWED_LABELS = frozenset({"kind", "state", "decision", "reason", "peer", "basis", "format",
                            "code", "subject", "alert"})


@dataclass(frozen=True)
class GaugeReading:
    """One gauge value with its labels (from the database, at scrape time)."""

    name: str
    documentation: str
    labels: dict[str, str]
    value: float


StateReader = Callable[[], Iterable[GaugeReading]]


class StateCollector(Collector):
    """Collects gauges from reader callbacks at each scrape."""

    def __init__(self) -> None:
        self.readers: list[StateReader] = []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield one family per gauge name, with every labelled reading."""
        families: dict[str, GaugeMetricFamily] = {}
        for reader in self.readers:
            for reading in reader():
                _check_labels(reading.labels)
                family = families.get(reading.name)
                if family is None:
                    family = GaugeMetricFamily(reading.name, reading.documentation,
                                               labels=sorted(reading.labels))
                    families[reading.name] = family
                family.add_metric([reading.labels[k] for k in sorted(reading.labels)],
                                  reading.value)
        yield from families.values()


def _check_labels(labels: dict[str, str]) -> None:
    unknown = set(labels) - ALLOWED_LABELS
    if unknown:
        raise ValueError(f"metric label not allowed: {sorted(unknown)}")


@dataclass
class Metrics:
    """The gateway's metrics, on a registry of its own (several gateways per process in tests)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.transfers = Counter("ssd_transfers_total", "Transfers by kind, state and decision",
                                 ["kind", "state", "decision"], registry=self.registry)
        self.denials = Counter("ssd_denials_total", "Denied transfers by reason code",
                               ["kind", "reason"], registry=self.registry)
        self.delivery_seconds = Histogram(
            "ssd_delivery_latency_seconds", "From enqueue to acknowledgement", ["kind"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
            registry=self.registry)
        self.inbound = Counter("ssd_inbound_messages_total", "Messages received by outcome",
                               ["format", "code"], registry=self.registry)
        self.state = StateCollector()
        self.registry.register(self.state)

    def add_state_reader(self, reader: StateReader) -> None:
        """Register a callback that yields gauge readings at scrape time."""
        self.state.readers.append(reader)

    def exposition(self) -> bytes:
        """Return the Prometheus text exposition of every metric."""
        return generate_latest(self.registry)

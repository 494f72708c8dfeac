"""A running federation for the gateway tests: daycare, school and social authority on loopback
(the health visitor's gateway is configured but never started: an offline peer)."""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ssd_gateway.accounts import Principal
from ssd_gateway.api.schemas import TransferView
from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.gateway.node import GatewayNode
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.gateway.services import Services
from ssd_gateway.samples import consent, sample_message_data
from ssd_gateway.sandbox import write_sandbox
from ssd_gateway.settings import load_settings

DAYCARE, SCHOOL, HEALTH, SOCIAL = "bh-solsikken", "skole-valby", "sundhedspleje-kbh", "bfa-kbh"


@dataclass
class Federation:
    """Three running gateways and one offline."""

    root: Path
    nodes: dict[str, GatewayNode]
    today: date

    def services(self, org: str) -> Services:
        """The local-API services of ``org``'s gateway."""
        return Services(self.nodes[org].gateway, self.nodes[org].dispatch)

    def gateway(self, org: str) -> Gateway:
        """``org``'s gateway."""
        return self.nodes[org].gateway

    def who(self, org: str) -> Principal:
        """A journal system of ``org`` allowed everything."""
        return Principal(name=f"test@{org}", role="admin", org_id=org,
                         scopes=frozenset({"submit", "read", "consents", "handover"}))

    def message(self, kind: str, **changes: Any) -> dict[str, Any]:
        """A fresh copy of the sample message of ``kind`` with a new message id."""
        data = copy.deepcopy(sample_message_data(self.today)[kind])
        data["message_id"] = f"msg-{uuid.uuid4()}"
        data.update(changes)
        return data

    def submit(self, org: str, message: dict[str, Any], fmt: str = "fhir") -> TransferView:
        """Submit through ``org``'s services."""
        return self.services(org).submit(message, fmt, self.who(org))

    def wait(self, org: str, transfer_id: str, states: tuple[str, ...] = ("acked", "dead",
                                                                        "cancelled"),
             timeout: float = 45.0) -> str:
        """Wait until ``org``'s outbox row reaches one of ``states``; return the state."""
        deadline = time.monotonic() + timeout
        while True:
            with self.gateway(org).sessions() as session:
                row = session.get(Transfer, transfer_id)
                state = row.state if row is not None else "missing"
            if state in states or time.monotonic() > deadline:
                return state
            time.sleep(0.1)


@pytest.fixture(scope="package")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    """Daycare, school and social authority running; consent shared daycare → school."""
    root = tmp_path_factory.mktemp("federation")
    sandbox = {g.org_id: g for g in write_sandbox(root)}
    nodes: dict[str, GatewayNode] = {}
    try:
        for org in (DAYCARE, SCHOOL, SOCIAL):
            nodes[org] = GatewayNode(Gateway.open(load_settings(sandbox[org].config)),
                                     sweep_interval=0.3).start()
        fed = Federation(root, nodes, date.today())
        shared = {k: v for k, v in consent(fed.today).items() if k != "kind"}
        fed.services(DAYCARE).register_consent(shared, fed.who(DAYCARE))
        view = fed.submit(DAYCARE, fed.message("consent"))
        assert fed.wait(DAYCARE, view.id) == "acked"
        view = fed.submit(DAYCARE, fed.message("stafetlog"))
        assert fed.wait(DAYCARE, view.id) == "acked"
        yield fed
    finally:
        for node in nodes.values():
            node.stop()

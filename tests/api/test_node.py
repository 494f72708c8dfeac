"""Through real gateways on loopback (GatewayNode: federation over mTLS, local API, delivery).

The daycare and the school each run a node; journal systems talk to the local APIs with
httpx: consent, stafetlog, then the relay offered, refused, withdrawn and accepted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ssd_gateway.accounts import create_token
from ssd_gateway.gateway.node import GatewayNode
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.registry import stafetlog_state
from ssd_gateway.sandbox import SandboxGateway, free_port
from ssd_gateway.settings import load_settings
from tests.api.conftest import (
    ALL_SCOPES,
    DAYCARE,
    FINAL,
    REPO,
    SCHOOL,
    assert_problem,
    consent_body,
    message,
    wait_for,
)

pytestmark = pytest.mark.slow


class Journal:
    """A journal system: an httpx client on one node's local API with a token."""

    def __init__(self, node: GatewayNode) -> None:
        self.node = node
        with node.gateway.sessions.begin() as session:
            token = create_token(session, node.gateway.party.org_id, set(ALL_SCOPES), "journal")
        self.token = token
        self.http = httpx.Client(base_url=node.api_url, timeout=30,
                                 headers={"Authorization": f"Bearer {token}"})

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST to the local API."""
        return self.http.post(url, **kwargs)

    def settled(self, transfer_id: str) -> dict[str, Any]:
        """The transfer once it reaches a final state."""
        return wait_for(lambda: self.http.get(f"/v1/transfers/{transfer_id}").json(),
                        lambda view: view["state"] in FINAL)

    def holder(self, log_id: str = "stafetlog-1") -> str | None:
        """Who this gateway's registry says holds the stafetlog."""
        with self.node.gateway.sessions() as session:
            holder: str | None = stafetlog_state(session, log_id).get("holder_org_id")
            return holder


@pytest.fixture(scope="module")
def journals(sandbox: dict[str, SandboxGateway]) -> Iterator[dict[str, Journal]]:
    """The daycare's and the school's nodes, started, with a journal client each."""
    nodes: list[GatewayNode] = []
    try:
        for org in (DAYCARE, SCHOOL):
            gateway = Gateway.open(load_settings(sandbox[org].config))
            nodes.append(GatewayNode(gateway, sweep_interval=0.5).start())
        yield {node.gateway.party.org_id: Journal(node) for node in nodes}
    finally:
        for node in nodes:
            node.stop()


@pytest.fixture(scope="module")
def shared(journals: dict[str, Journal]) -> dict[str, Journal]:
    """The consent registered at the daycare, then it and the stafetlog delivered to the school."""
    daycare = journals[DAYCARE]
    assert daycare.post("/v1/consents", json=consent_body()).status_code == 201
    for kind in ("consent", "stafetlog"):
        response = daycare.post("/v1/messages", json=message(kind))
        assert response.status_code == 202, response.text
        assert daycare.settled(response.json()["id"])["state"] == "acked"
    return journals


def _offer(daycare: Journal) -> dict[str, Any]:
    response = daycare.post("/v1/stafetlogs/stafetlog-1/handover",
                            json={"to_org_id": SCHOOL, "to_person_id": "p-karen",
                                  "note": "Skolestart"})
    assert response.status_code == 202, response.text
    offer: dict[str, Any] = response.json()
    assert offer["decision"]["decision"] == "permit"
    return offer


def test_delivered_transfer_is_acked_over_http(shared: dict[str, Journal]) -> None:
    """A stafetlog submitted over HTTP reaches the school and is listed as acked."""
    daycare = shared[DAYCARE]
    acked = daycare.http.get("/v1/transfers", params={"state": "acked", "kind": "stafetlog"})
    assert acked.status_code == 200 and acked.json()
    assert all(t["peer"] == SCHOOL and t["attempts"] >= 1 for t in acked.json())
    assert shared[SCHOOL].holder() == DAYCARE


def test_relay_refused_then_withdrawn_then_accepted(shared: dict[str, Journal]) -> None:
    """Offer → refuse keeps the daycare holder; an offer withdrawn is closed; accept moves it."""
    daycare, school = shared[DAYCARE], shared[SCHOOL]

    first = _offer(daycare)
    assert daycare.settled(first["transfer_id"])["state"] == "acked"
    refused = school.post(f"/v1/handovers/{first['offer_id']}/refuse",
                          json={"person_id": "p-karen"})
    assert refused.status_code == 202, refused.text
    assert refused.json()["accepted"] is False
    assert school.settled(refused.json()["transfer_id"])["state"] == "acked"
    assert daycare.holder() == DAYCARE and school.holder() == DAYCARE

    second = _offer(daycare)
    withdrawn = daycare.post(f"/v1/handovers/{second['offer_id']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    again = daycare.post(f"/v1/handovers/{second['offer_id']}/withdraw")
    assert_problem(again, 409, "HANDOVER_NOT_OPEN")
    assert daycare.holder() == DAYCARE

    third = _offer(daycare)
    assert daycare.settled(third["transfer_id"])["state"] == "acked"
    accepted = school.post(f"/v1/handovers/{third['offer_id']}/accept",
                           json={"person_id": "p-karen"})
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["decision"]["decision"] == "permit"
    assert school.settled(accepted.json()["transfer_id"])["state"] == "acked"
    assert wait_for(lambda: {"holder": daycare.holder()},
                    lambda s: s["holder"] == SCHOOL)["holder"] == SCHOOL
    assert school.holder() == SCHOOL


def test_answering_an_offer_the_school_never_got_is_404(shared: dict[str, Journal]) -> None:
    """An offer id unknown to the school's inbox cannot be accepted."""
    response = shared[SCHOOL].post("/v1/handovers/no-such-offer/accept",
                                   json={"person_id": "p-karen"})
    assert_problem(response, 404, "NOT_FOUND")


def ssd(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the ssd-gateway command line in its own process."""
    return subprocess.run([sys.executable, "-m", "ssd_gateway", *args], capture_output=True,
                          text=True, timeout=120, check=False, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")})


def _file(tmp_path: Path, data: dict[str, Any], name: str = "message.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_cli_submit_waits_for_the_acknowledgement(shared: dict[str, Journal],
                                                  tmp_path: Path) -> None:
    """submit --wait: the consent message is permitted and acknowledged by the school (exit 0)."""
    daycare = shared[DAYCARE]
    path = _file(tmp_path, message("consent", message_id="msg-consent-cli"))
    result = ssd("submit", "--api", daycare.node.api_url, "--token", daycare.token, path,
                 "--format", "xml", "--wait", "30")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "consent → skole-valby [xml]" in result.stdout
    assert "permit (consent); tilstand/state: acked" in result.stdout


def test_cli_submit_prints_a_queued_transfer(shared: dict[str, Journal], tmp_path: Path) -> None:
    """Without --wait, the permitted underretning is printed as queued (exit 0, --json too)."""
    school = shared[SCHOOL]
    path = _file(tmp_path, message("underretning"))
    result = ssd("submit", "--api", school.node.api_url, "--token", school.token, path,
                 "--json")
    assert result.returncode == 0, result.stderr
    view = json.loads(result.stdout)
    assert view["decision"] == "permit" and view["basis"] == "underretning"
    assert view["peer"] == "bfa-kbh" and view["state"] in ("pending", "sending",
                                                             "transient_error")


def test_cli_submit_refusal_exits_1_with_reason_codes(shared: dict[str, Journal]) -> None:
    """The school's stafetlog export to the daycare: no consent covers it, exit 1 with codes."""
    school = shared[SCHOOL]
    result = ssd("submit", "--api", school.node.api_url, "--token", school.token,
                 "--mapping", "elevsystem-stafetlog", "--to", DAYCARE, "--lang", "en",
                 "mappings/examples/elevsystem-stafetlog.xml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CON-1 CONSENT_MISSING: No consent was found" in result.stdout
    assert "2 poster/records: 2 indsendt/submitted (2 afvist/denied), 0 i karantæne" \
        in result.stdout


def test_cli_submit_problem_exits_2_with_path_and_code(shared: dict[str, Journal],
                                                       tmp_path: Path) -> None:
    """An invalid record: exit 2 printing RECORD_INVALID and each path with its code."""
    school = shared[SCHOOL]
    bad = message("underretning")
    bad["record"]["child"]["id"] = "12345"
    result = ssd("submit", "--api", school.node.api_url, "--token", school.token,
                 _file(tmp_path, bad))
    assert result.returncode == 2
    assert "RECORD_INVALID (422)" in result.stderr
    assert "record.child.id: not_cpr_format" in result.stderr


def test_cli_submit_bad_token_and_unreachable_gateway(shared: dict[str, Journal],
                                                      tmp_path: Path) -> None:
    """A wrong token is a problem (exit 2, UNAUTHORISED); no gateway listening is exit 3."""
    school = shared[SCHOOL]
    path = _file(tmp_path, message("underretning"))
    wrong = ssd("submit", "--api", school.node.api_url, "--token", "ssd_wrong", path)
    assert wrong.returncode == 2 and "UNAUTHORISED (401)" in wrong.stderr
    gone = ssd("submit", "--api", f"http://127.0.0.1:{free_port()}", "--token", "x", path)
    assert gone.returncode == 3, gone.stderr

"""A real gateway from a sandbox behind Starlette's TestClient, tokens made in its database."""

from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette: TestClient over httpx is deprecated
    from fastapi.testclient import TestClient

from ssd_gateway.accounts import create_token
from ssd_gateway.api.app import create_api_app
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.gateway.services import Services
from ssd_gateway.samples import consent, sample_message_data
from ssd_gateway.sandbox import SandboxGateway, write_sandbox
from ssd_gateway.settings import load_settings

DAYCARE, SCHOOL, HEALTH, SOCIAL = "bh-solsikken", "skole-valby", "sundhedspleje-kbh", "bfa-kbh"
ALL_SCOPES = frozenset({"submit", "read", "consents", "handover", "policy", "operations"})
PROBLEM = "application/problem+json"
REPO = Path(__file__).resolve().parents[2]
FINAL = ("acked", "nacked", "dead", "cancelled", "denied")


def today() -> date:
    """The samples are dated around the real day: the gateway decides on its real clock."""
    return date.today()


def message(kind: str, **changes: Any) -> dict[str, Any]:
    """A deep copy of the sample message of ``kind`` with top-level ``changes``."""
    data = copy.deepcopy(sample_message_data(today())[kind])
    data.update(changes)
    return data


def consent_body(consent_id: str = "samtykke-1", **changes: Any) -> dict[str, Any]:
    """The sample consent as ``POST /v1/consents`` takes it (no ``kind``)."""
    data = {k: v for k, v in consent(today()).items() if k != "kind"}
    return {**data, "id": consent_id, **changes}


def stafetlog_on(consent_id: str, recipient: str = SCHOOL, **changes: Any) -> dict[str, Any]:
    """The sample stafetlog message sent on ``consent_id`` to ``recipient``."""
    changes.setdefault("message_id", f"msg-stafetlog-{consent_id}-{recipient}")
    data = message("stafetlog", consent_id=consent_id, **changes)
    data["record"]["consent_ids"] = [consent_id]
    data["record"]["section_b"]["consent"]["reference"] = consent_id
    if recipient != SCHOOL:
        data["recipient"] = copy.deepcopy(sample_message_data(today())["underretning"]
                                          ["recipient"])
        assert data["recipient"]["org_id"] == recipient
    return data


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status`` and ``code``; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"].startswith("https://") and body["title"]
    return body


@dataclass
class Api:
    """A TestClient on one gateway's local API, and a way to make tokens for it."""

    gateway: Gateway
    client: TestClient

    @property
    def org(self) -> str:
        """The gateway's organisation."""
        return self.gateway.party.org_id

    def token(self, *scopes: str, org: str | None = None) -> str:
        """A new token of ``org`` (default: this gateway's) with ``scopes`` (default: all)."""
        with self.gateway.sessions.begin() as session:
            return create_token(session, org or self.org, set(scopes or ALL_SCOPES), "test")

    def auth(self, *scopes: str, org: str | None = None) -> dict[str, str]:
        """Authorization header of a new token."""
        return {"Authorization": f"Bearer {self.token(*scopes, org=org)}"}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SandboxGateway]:
    """One sandbox federation per test module."""
    gateways = write_sandbox(tmp_path_factory.mktemp("sandbox"))
    return {g.org_id: g for g in gateways}


@pytest.fixture(scope="module")
def open_api(sandbox: dict[str, SandboxGateway]) -> Iterator[Callable[[str], Api]]:
    """Open (once per module) an organisation's gateway and its API without delivery."""
    opened: dict[str, Api] = {}

    def api(org: str) -> Api:
        if org not in opened:
            gateway = Gateway.open(load_settings(sandbox[org].config))
            client = TestClient(create_api_app(Services(gateway, None)),
                                raise_server_exceptions=False)
            opened[org] = Api(gateway, client)
        return opened[org]

    yield api
    for api_ in opened.values():
        api_.client.close()
        api_.gateway.close()


def wait_for(get: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool],
             timeout: float = 30.0) -> dict[str, Any]:
    """Poll ``get`` until ``done`` holds of its result (or fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; last: {value}")
        time.sleep(0.1)

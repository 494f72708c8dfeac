"""Submitting canonical messages, following transfers, and operator actions on them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import (
    DAYCARE,
    SCHOOL,
    SOCIAL,
    Api,
    assert_problem,
    consent_body,
    stafetlog_on,
)


@pytest.fixture(scope="module")
def api(open_api: Callable[[str], Api]) -> Api:
    """The daycare's local API, with the parents' consent registered."""
    api = open_api(DAYCARE)
    response = api.client.post("/v1/consents", json=consent_body("samtykke-t"),
                               headers=api.auth("consents"))
    assert response.status_code == 201, response.text
    return api


@pytest.mark.parametrize("fmt", ["fhir", "xml"])
def test_permitted_message_is_queued(api: Api, fmt: str) -> None:
    """A stafetlog to the school on a covering consent: 202, permit on consent, pending."""
    response = api.client.post(f"/v1/messages?format={fmt}", headers=api.auth("submit"),
                               json=stafetlog_on("samtykke-t", message_id=f"msg-t-{fmt}"))
    assert response.status_code == 202, response.text
    view = response.json()
    assert view["decision"] == "permit" and view["basis"] == "consent"
    assert view["state"] == "pending" and view["format"] == fmt
    assert view["kind"] == "stafetlog" and view["peer"] == SCHOOL
    assert "parent_copy" in view["obligations"] and view["reasons"] == []
    assert view["created_at"].endswith("Z") or view["created_at"].endswith("+00:00")


def test_refused_message_is_denied_with_reason_codes(api: Api) -> None:
    """A stafetlog to the social authority, not covered by the consent: state denied + CON-6."""
    response = api.client.post("/v1/messages", headers=api.auth("submit"),
                               json=stafetlog_on("samtykke-t", recipient=SOCIAL))
    assert response.status_code == 202, response.text
    view = response.json()
    assert view["state"] == "denied" and view["decision"] == "deny"
    codes = {(r["code"], r["rule"]) for r in view["reasons"]}
    assert ("CONSENT_RECIPIENT_NOT_COVERED", "CON-6") in codes
    assert all(r["message"] and r["message_en"] for r in view["reasons"])


def test_a_transfer_can_be_followed(api: Api) -> None:
    """GET /v1/transfers/{id} answers what POST answered (decision and state)."""
    headers = api.auth("submit", "read")
    submitted = api.client.post("/v1/messages", json=stafetlog_on("samtykke-t"),
                                headers=headers).json()
    followed = api.client.get(f"/v1/transfers/{submitted['id']}", headers=headers)
    assert followed.status_code == 200
    assert {k: followed.json()[k] for k in ("id", "decision", "state", "reasons")} == \
        {k: submitted[k] for k in ("id", "decision", "state", "reasons")}


def test_transfers_are_listed_with_filters(api: Api) -> None:
    """The list filters by state (denied, pending), kind and peer, newest first, paged."""
    headers = api.auth("submit", "read")
    denied = api.client.post("/v1/messages", headers=headers,
                             json=stafetlog_on("samtykke-t", recipient=SOCIAL)).json()
    queued = api.client.post("/v1/messages", json=stafetlog_on("samtykke-t"),
                             headers=headers).json()

    def ids(**params: object) -> list[str]:
        response = api.client.get("/v1/transfers", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()]

    assert denied["id"] in ids(state="denied") and queued["id"] not in ids(state="denied")
    assert queued["id"] in ids(state="pending") and denied["id"] not in ids(state="pending")
    assert denied["id"] in ids(peer=SOCIAL) and queued["id"] not in ids(peer=SOCIAL)
    assert ids(kind="underretning") == []
    assert ids(limit=2) == [queued["id"], denied["id"]]
    assert ids(limit=1, offset=1) == [denied["id"]]


def test_cancel_then_cancel_again_is_a_conflict(api: Api) -> None:
    """An operator cancels a pending transfer; a second cancel is 409 TRANSFER_STATE."""
    headers = api.auth("submit", "operations")
    queued = api.client.post("/v1/messages", json=stafetlog_on("samtykke-t"),
                             headers=headers).json()
    cancelled = api.client.post(f"/v1/queue/{queued['id']}/cancel", json={"reason": "test"},
                                headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = api.client.post(f"/v1/queue/{queued['id']}/cancel", headers=headers)
    body = assert_problem(again, 409, "TRANSFER_STATE")
    assert body["errors"] == [{"path": "state", "code": "cancelled"}]


def test_retrying_a_denied_transfer_carries_the_reason_codes(api: Api) -> None:
    """A denied transfer was never queued: retry is 409 TRANSFER_DENIED with rule and code."""
    headers = api.auth("submit", "operations")
    denied = api.client.post("/v1/messages", headers=headers,
                             json=stafetlog_on("samtykke-t", recipient=SOCIAL)).json()
    body = assert_problem(api.client.post(f"/v1/queue/{denied['id']}/retry", headers=headers),
                          409, "TRANSFER_DENIED")
    assert {"path": "decision", "code": "CONSENT_RECIPIENT_NOT_COVERED", "rule": "CON-6"}.items() \
        <= body["errors"][0].items()

"""Consents through the API: register, list, revoke, and the next decision refuses."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import DAYCARE, Api, assert_problem, consent_body, stafetlog_on, today


@pytest.fixture(scope="module")
def api(open_api: Callable[[str], Api]) -> Api:
    """The daycare's local API."""
    return open_api(DAYCARE)


def test_register_list_revoke_and_the_next_decision_refuses(api: Api) -> None:
    """Registered, listed, permits; revoked: the waiting transfer cancelled, the next denied."""
    headers = api.auth("consents", "submit", "read")
    body = consent_body("samtykke-r")
    registered = api.client.post("/v1/consents", json=body, headers=headers)
    assert registered.status_code == 201
    assert registered.json() == {"id": "samtykke-r", "status": "registered"}

    listed = api.client.get("/v1/consents", params={"child": body["child_id"]}, headers=headers)
    mine = [c for c in listed.json() if c["id"] == "samtykke-r"]
    assert len(mine) == 1 and mine[0]["revoked_at"] is None
    assert mine[0]["parties"] == body["parties"]

    waiting = api.client.post("/v1/messages", json=stafetlog_on("samtykke-r"),
                              headers=headers).json()
    assert waiting["decision"] == "permit" and waiting["state"] == "pending"

    revoked = api.client.post("/v1/consents/samtykke-r/revoke", json={}, headers=headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["cancelled"] == [waiting["id"]]
    state = api.client.get(f"/v1/transfers/{waiting['id']}", headers=headers).json()["state"]
    assert state == "cancelled"

    listed = api.client.get("/v1/consents", params={"child": body["child_id"]}, headers=headers)
    assert next(c["revoked_at"] for c in listed.json() if c["id"] == "samtykke-r") is not None

    refused = api.client.post("/v1/messages", json=stafetlog_on("samtykke-r"),
                              headers=headers).json()
    assert refused["state"] == "denied"
    assert "CONSENT_REVOKED" in {r["code"] for r in refused["reasons"]}


def test_invalid_consent_is_refused_with_paths(api: Api) -> None:
    """A consent with an impossible date and an unknown field: 422 naming both paths."""
    body = consent_body("samtykke-bad", signed_at="2026-02-30", colour="blue")
    problem = assert_problem(api.client.post("/v1/consents", json=body,
                                             headers=api.auth("consents")),
                             422, "RECORD_INVALID")
    paths = {e["path"] for e in problem["errors"]}
    assert {"signed_at", "colour"} <= paths


def test_revoking_an_unknown_consent_is_404(api: Api) -> None:
    """Revoking a consent the gateway does not hold: 404 NOT_FOUND."""
    response = api.client.post("/v1/consents/no-such/revoke", headers=api.auth("consents"))
    assert_problem(response, 404, "NOT_FOUND")


def test_revoke_body_refuses_unknown_fields(api: Api) -> None:
    """The revoke body takes only revoked_at."""
    response = api.client.post("/v1/consents/samtykke-r/revoke", json={"when": str(today())},
                               headers=api.auth("consents"))
    body = assert_problem(response, 422, "REQUEST_INVALID")
    assert body["errors"][0]["path"] == "when"

"""Bearer tokens: 401 without a valid one, 403 without the scope or for another organisation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ssd_gateway.accounts import authenticate_token, revoke_token
from tests.api.conftest import DAYCARE, SCHOOL, Api, assert_problem, message


@pytest.fixture(scope="module")
def api(open_api: Callable[[str], Api]) -> Api:
    """The daycare's local API."""
    return open_api(DAYCARE)


def test_missing_token_is_401_problem(api: Api) -> None:
    """No Authorization header: 401 problem UNAUTHORISED with a Bearer challenge."""
    response = api.client.get("/v1/transfers")
    body = assert_problem(response, 401, "UNAUTHORISED")
    assert "missing" in body["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_token_is_401_problem(api: Api) -> None:
    """A token the gateway never issued: 401."""
    response = api.client.get("/v1/transfers", headers={"Authorization": "Bearer ssd_nope"})
    assert_problem(response, 401, "UNAUTHORISED")


def test_revoked_token_is_401_problem(api: Api) -> None:
    """A token works until revoked, then gets 401."""
    token = api.token("read")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/transfers", headers=headers).status_code == 200
    with api.gateway.sessions.begin() as session:
        token_id = authenticate_token(session, token).name.removeprefix("token:")
        revoke_token(session, token_id)
    assert_problem(api.client.get("/v1/transfers", headers=headers), 401, "UNAUTHORISED")


def test_token_without_the_scope_is_403_problem(api: Api) -> None:
    """A read-only token may read but not submit, register consents or decide."""
    headers = api.auth("read")
    assert api.client.get("/v1/transfers", headers=headers).status_code == 200
    body = assert_problem(api.client.post("/v1/messages", json=message("stafetlog"),
                                          headers=headers), 403, "FORBIDDEN")
    assert "submit" in body["detail"]
    assert_problem(api.client.post("/v1/consents", json={}, headers=headers), 403, "FORBIDDEN")
    assert_problem(api.client.post("/v1/policy/decide", json={}, headers=headers), 403,
                   "FORBIDDEN")
    assert_problem(api.client.post("/v1/queue/x/cancel", headers=headers), 403, "FORBIDDEN")


def test_token_of_another_organisation_is_refused(api: Api) -> None:
    """A token bound to the school is refused on the daycare's gateway, even with every scope."""
    headers = api.auth(org=SCHOOL)
    for response in (api.client.get("/v1/transfers", headers=headers),
                     api.client.post("/v1/messages", json=message("stafetlog"),
                                     headers=headers),
                     api.client.post("/v1/queue/x/cancel", headers=headers)):
        body = assert_problem(response, 403, "FORBIDDEN")
        assert "another organisation" in body["detail"]


def test_health_needs_no_token(api: Api) -> None:
    """Liveness is open (for load balancers); the API itself is not."""
    assert api.client.get("/healthz").json() == {"status": "alive"}

"""Errors are RFC 9457 problem details with the validation path; limits and unknown fields."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ssd_gateway.api.limits import DEFAULT_LIMIT
from tests.api.conftest import DAYCARE, SCHOOL, Api, assert_problem, message


@pytest.fixture(scope="module")
def api(open_api: Callable[[str], Api]) -> Api:
    """The daycare's local API."""
    return open_api(DAYCARE)


def test_invalid_record_names_the_path_and_code(api: Api) -> None:
    """A bad CPR number is a 422 problem whose errors[] say record.child.id, not_cpr_format."""
    bad = message("stafetlog")
    bad["record"]["child"]["id"] = "12345"
    body = assert_problem(api.client.post("/v1/messages", json=bad, headers=api.auth()), 422,
                          "RECORD_INVALID")
    assert {"path": "record.child.id", "code": "not_cpr_format"}.items() <= \
        body["errors"][0].items()
    assert body["errors"][0]["message"] and body["errors"][0]["message_en"]


def test_unknown_fields_are_refused_with_their_paths(api: Api) -> None:
    """Unknown fields anywhere in the message are each reported at their path."""
    bad = message("stafetlog", extra_top=1)
    bad["record"]["child"]["shoe_size"] = 31
    body = assert_problem(api.client.post("/v1/messages", json=bad, headers=api.auth()), 422,
                          "RECORD_INVALID")
    found = {(e["path"], e["code"]) for e in body["errors"]}
    assert {("extra_top", "extra_forbidden"),
            ("record.child.shoe_size", "extra_forbidden")} <= found


def test_unknown_field_in_an_api_body_is_refused(api: Api) -> None:
    """The API's own bodies (handover offer) refuse unknown fields too, with the path."""
    response = api.client.post("/v1/stafetlogs/stafetlog-1/handover",
                               json={"to_org_id": SCHOOL, "to_person": "p-karen"},
                               headers=api.auth())
    body = assert_problem(response, 422, "REQUEST_INVALID")
    assert body["errors"] == [{"path": "to_person", "in": "body", "code": "extra_forbidden",
                               "message": "Extra inputs are not permitted"}]


def test_bad_query_parameters_are_request_problems(api: Api) -> None:
    """An unknown format and a limit over 500 are 422 REQUEST_INVALID naming the parameter."""
    headers = api.auth()
    body = assert_problem(api.client.post("/v1/messages?format=pdf", json=message("stafetlog"),
                                          headers=headers), 422, "REQUEST_INVALID")
    assert body["errors"][0]["path"] == "format" and body["errors"][0]["in"] == "query"
    body = assert_problem(api.client.get("/v1/transfers?limit=501", headers=headers), 422,
                          "REQUEST_INVALID")
    assert body["errors"][0]["path"] == "limit"


def test_broken_json_is_a_request_problem(api: Api) -> None:
    """A body that is not JSON is refused as a whole (path <body>)."""
    response = api.client.post("/v1/messages", content=b"{not json",
                               headers={**api.auth(), "Content-Type": "application/json"})
    body = assert_problem(response, 422, "REQUEST_INVALID")
    assert body["errors"][0]["path"] == "<body>"


def test_body_over_the_limit_is_413(api: Api) -> None:
    """A body over the size limit is refused with 413 before it is parsed."""
    big = b"x" * (DEFAULT_LIMIT + 1)
    response = api.client.post("/v1/messages", content=big,
                               headers={**api.auth(), "Content-Type": "application/json"})
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")


def test_unknown_ids_are_404_problems(api: Api) -> None:
    """Unknown transfer, stafetlog, offer and consent ids are 404 NOT_FOUND problems."""
    headers = api.auth()
    for response in (
        api.client.get("/v1/transfers/no-such", headers=headers),
        api.client.post("/v1/stafetlogs/no-such/handover", json={"to_org_id": SCHOOL},
                        headers=headers),
        api.client.post("/v1/handovers/no-such/accept", json={"person_id": "p"},
                        headers=headers),
        api.client.post("/v1/handovers/no-such/withdraw", headers=headers),
        api.client.post("/v1/exports/no-such?to=skole-valby", content=b"x", headers=headers),
    ):
        assert_problem(response, 404, "NOT_FOUND")


def test_a_sender_other_than_this_organisation_is_refused(api: Api) -> None:
    """A journal cannot submit in another organisation's name: 403 PEER_REFUSED."""
    response = api.client.post("/v1/messages", json=message("underretning"), headers=api.auth())
    assert_problem(response, 403, "PEER_REFUSED")

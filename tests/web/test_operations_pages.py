"""The operations pages through Starlette's TestClient: every page, retry and cancel audited
with the logged-in user, roles (403 for compliance), English, no payload or CPR shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ssd_gateway.quarantine.store import NewEntry
from tests.ops.test_alert_sources_support import PEER
from tests.web.test_operations_support import ADMIN, COMPLIANCE, OPERATIONS, Seeded, seed

PAGES = ["/operations/queue", "/operations/dead-letters", "/operations/quarantine",
         "/operations/quarantine/1", "/operations/manual-review", "/operations/alerts",
         "/operations/certificates"]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Seeded]:
    """A sandbox gateway with a seeded outbox, quarantine, manual review and alerts."""
    seeded = seed(tmp_path)
    yield seeded
    seeded.gateway.close()


def login(world: Seeded, user: tuple[str, str]) -> TestClient:
    """A TestClient logged in as ``user``."""
    client = TestClient(world.app())
    response = client.post("/login", data={"username": user[0], "password": user[1],
                                           "next": "/"})
    assert response.status_code == 200, response.text
    return client


@pytest.fixture
def ops(world: Seeded) -> TestClient:
    """Logged in as the operator ole."""
    return login(world, OPERATIONS)


def _row_ids(html: str, table: str = "transfers") -> list[str]:
    section = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-id="([^"]+)"', section)


# -- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_compliance_account_gets_403(world: Seeded, path: str) -> None:
    """A compliance-only account may not see any operations page."""
    response = login(world, COMPLIANCE).get(path)
    assert response.status_code == 403
    assert "Du har ikke adgang" in response.text


def test_compliance_account_cannot_retry(world: Seeded) -> None:
    """A compliance-only account's POST changes nothing and writes no operator action."""
    client = login(world, COMPLIANCE)
    response = client.post(f"/operations/transfers/{world.dead[0]}/retry",
                           data={"next": "/operations/dead-letters"}, follow_redirects=False)
    assert response.status_code == 403
    assert world.state_of(world.dead[0]) == "dead" and world.operator_actions() == []


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_login(world: Seeded, path: str) -> None:
    """Without a session every page redirects to the login page."""
    response = TestClient(world.app()).get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_operations_and_admin(world: Seeded, path: str) -> None:
    """Each page answers 200 for the operator and the admin, without caching."""
    for user in (OPERATIONS, ADMIN):
        response = login(world, user).get(path)
        assert response.status_code == 200, (user, path)
        assert response.headers["cache-control"] == "no-store"


def test_start_page_links_to_operations(ops: TestClient) -> None:
    """The start page lists the operations pages (and not the compliance ones) for ole."""
    html = ops.get("/").text
    for path in ("/operations/queue", "/operations/dead-letters", "/operations/alerts",
                 "/operations/certificates"):
        assert f'href="{path}' in html
    assert "/compliance/transfers" not in html


# -- the queue ---------------------------------------------------------------------------------


def test_queue_counts_by_peer_and_state(world: Seeded, ops: TestClient) -> None:
    """The counts table has one row per peer with the number in each state."""
    html = ops.get("/operations/queue").text
    row = html.split(f'<tr data-peer="{PEER}">', 1)[1].split("</tr>", 1)[0]
    counts = dict(re.findall(r'data-state="(\w+)" data-count="(\d+)"', row))
    assert counts["dead"] == "2" and counts["pending"] == "2" and counts["acked"] == "0"
    assert "Modtager" in html and "Tilstand" in html


def test_queue_filters_by_peer_and_state(world: Seeded, ops: TestClient) -> None:
    """Filtering by peer and state lists exactly the matching transfers."""
    html = ops.get("/operations/queue", params={"peer": PEER, "state": "pending"}).text
    assert sorted(_row_ids(html)) == sorted([world.pending[0], world.pending[2]])
    assert "2 i alt" in html
    html = ops.get("/operations/queue", params={"state": "transient_error"}).text
    assert _row_ids(html) == [world.failing]


def test_queue_bad_state_is_refused(ops: TestClient) -> None:
    """An unknown state is a 400 with a message, not an unfiltered list."""
    response = ops.get("/operations/queue", params={"state": "exploded"})
    assert response.status_code == 400 and "Ugyldig værdi i filteret" in response.text


def test_queue_pages_25_at_a_time(world: Seeded, ops: TestClient) -> None:
    """With 30 more pending transfers the list pages; both pages together hold every row."""
    from tests.ops.test_alert_sources_support import queue

    for _ in range(30):
        queue(world.gateway, PEER)
    first = ops.get("/operations/queue", params={"state": "pending"}).text
    assert len(_row_ids(first)) == 25 and "Side 1 af 2" in first
    link = re.search(r'id="next" href="([^"]+)"', first)
    assert link is not None
    second = ops.get(link.group(1).replace("&amp;", "&")).text
    assert "Side 2 af 2" in second and len(_row_ids(second)) == 8
    assert not set(_row_ids(first)) & set(_row_ids(second))
    assert 'id="next"' not in second and 'id="prev"' in second


def test_buttons_follow_the_state(world: Seeded, ops: TestClient) -> None:
    """Pending rows offer retry and cancel, dead rows retry only."""
    html = ops.get("/operations/queue").text
    pending = html.split(f'<tr data-id="{world.pending[0]}"', 1)[1].split("</tr>", 1)[0]
    dead = html.split(f'<tr data-id="{world.dead[0]}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="retry"' in pending and 'class="cancel"' in pending
    assert 'class="retry"' in dead and 'class="cancel"' not in dead


# -- actions -------------------------------------------------------------------------------------


def test_retry_a_dead_letter_is_audited_with_the_user(world: Seeded, ops: TestClient) -> None:
    """Retry makes the dead letter pending, says so, and writes an operator_action by ole."""
    response = ops.post(f"/operations/transfers/{world.dead[0]}/retry",
                        data={"next": "/operations/dead-letters"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/operations/dead-letters?notice=retried&n=1"
    assert world.state_of(world.dead[0]) == "pending"
    actions = world.operator_actions(world.dead[0])
    assert [(a.actor, a.detail["action"], a.detail["from_state"]) for a in actions] == [
        ("ole", "retry", "dead")]
    page = ops.get(response.headers["location"]).text
    assert "1 overførsel(er) sat til nyt forsøg" in page
    assert world.dead[0] not in _row_ids(page)


def test_cancel_a_pending_transfer_is_audited(world: Seeded, ops: TestClient) -> None:
    """Cancel stops a pending transfer with an operator_action by ole."""
    response = ops.post(f"/operations/transfers/{world.pending[1]}/cancel",
                        data={"next": "/operations/queue?state=pending"})
    assert response.status_code == 200 and 'data-notice="cancelled"' in response.text
    assert world.state_of(world.pending[1]) == "cancelled"
    assert [(a.actor, a.detail["action"]) for a in world.operator_actions(world.pending[1])] \
        == [("ole", "cancel")]


def test_cancel_of_a_dead_letter_changes_nothing(world: Seeded, ops: TestClient) -> None:
    """A transfer not in a cancellable state is left alone and the page says so."""
    response = ops.post(f"/operations/transfers/{world.dead[0]}/cancel",
                        data={"next": "/operations/queue"})
    assert 'data-notice="unchanged"' in response.text
    assert world.state_of(world.dead[0]) == "dead" and world.operator_actions() == []


def test_next_must_stay_on_the_operations_pages(world: Seeded, ops: TestClient) -> None:
    """A foreign ``next`` is replaced by the queue page (no open redirect)."""
    response = ops.post(f"/operations/transfers/{world.pending[0]}/retry",
                        data={"next": "https://evil.example/"}, follow_redirects=False)
    assert response.headers["location"].startswith("/operations/queue?")


def test_retry_all_dead_letters_of_a_peer(world: Seeded, ops: TestClient) -> None:
    """The per-peer button retries every dead letter to that peer, one audit entry each."""
    response = ops.post("/operations/dead-letters/retry", data={"peer": PEER},
                        follow_redirects=False)
    assert response.headers["location"] == "/operations/dead-letters?notice=retried&n=2"
    assert [world.state_of(t) for t in world.dead] == ["pending", "pending", "dead"]
    assert len(world.operator_actions()) == 2


def test_get_cannot_act(world: Seeded, ops: TestClient) -> None:
    """Actions are POST only."""
    assert ops.get(f"/operations/transfers/{world.dead[0]}/retry").status_code == 405
    assert world.state_of(world.dead[0]) == "dead"


# -- dead letters, quarantine, manual review ----------------------------------------------------


def test_dead_letters_page(world: Seeded, ops: TestClient) -> None:
    """Dead letters are listed with the count per peer."""
    html = ops.get("/operations/dead-letters").text
    assert sorted(_row_ids(html)) == sorted(world.dead)
    assert "Prøv alle igen til skole-valby" in html


def test_quarantine_list_and_detail_without_payload(world: Seeded, ops: TestClient) -> None:
    """The list shows reason codes; the detail shows problems and the payload's size, never
    the payload; a CPR number in a problem text is masked; the view is logged."""
    entry = world.gateway.quarantine.add(NewEntry(
        source="federation", reason_codes=["cpr_invalid"],
        problems=[{"path": "/x", "code": "cpr_invalid", "message": "ugyldigt CPR 120119-4321",
                   "message_en": "invalid CPR 120119-4321"}],
        payload=b"<b>Hans Hansen</b>", content_type="application/xml", origin=PEER))
    listing = ops.get("/operations/quarantine").text
    assert "xml_invalid" in listing and "cpr_invalid" in listing
    detail = ops.get(f"/operations/quarantine/{entry}?lang=en").text
    assert "invalid CPR ##########" in detail
    assert "120119" not in detail and "Hans Hansen" not in detail and "<secret>" not in detail
    assert 'id="payload-size">18 B' in detail
    with world.gateway.sessions() as session:
        from ssd_gateway.audit import LogQuery

        views = list(world.gateway.audit.iter_query(session, LogQuery(kind="page_view")))
    assert [(v.actor, v.detail["page"], v.detail["quarantine_id"]) for v in views] == [
        ("ole", "operations_quarantine_entry", entry)]
    assert ops.get("/operations/quarantine/999").status_code == 404


def test_manual_review_shows_ids_and_times_only(world: Seeded, ops: TestClient) -> None:
    """The manual-review queue lists the row id, the sender and the time, no content."""
    html = ops.get("/operations/manual-review").text
    assert _row_ids(html, "review") == [world.review]
    assert "skole-valby" in html.split('id="review"', 1)[1]


# -- alerts and certificates ---------------------------------------------------------------------


def test_alerts_page_open_and_cleared(world: Seeded, ops: TestClient) -> None:
    """Open alerts are listed; after retrying a peer's dead letters and sweeping, its alert
    moves to the cleared list; the sweep is audited."""
    html = ops.get("/operations/alerts").text
    assert f'data-key="dead_letters:{PEER}"' in html
    assert 'data-kind="first_assessment_due"' in html and 'data-kind="peer_unreachable"' in html
    ops.post("/operations/dead-letters/retry", data={"peer": PEER})
    swept = ops.post("/operations/alerts/sweep", follow_redirects=False)
    assert swept.headers["location"].startswith("/operations/alerts?notice=swept")
    html = ops.get("/operations/alerts").text
    open_part, cleared_part = html.split('id="cleared-alerts"', 1)
    assert f'data-key="dead_letters:{PEER}"' not in open_part
    assert f'data-key="dead_letters:{PEER}"' in cleared_part
    sweeps = [a for a in world.operator_actions() if a.detail.get("action") == "alerts_sweep"]
    assert [(a.actor, a.detail["cleared"]) for a in sweeps] == [("ole", 1)]


def test_alerts_in_english(ops: TestClient) -> None:
    """``?lang=en`` shows the English texts."""
    html = ops.get("/operations/alerts?lang=en").text
    assert "Open alerts" in html and f"2 dead letters to {PEER}" in html


def test_certificates_page(world: Seeded, ops: TestClient) -> None:
    """The own certificate with identity and fingerprint, the CA, and each peer's endpoint and
    identity from the directory."""
    from ssd_gateway.certs.files import load_certificate
    from ssd_gateway.certs.identity import fingerprint

    html = ops.get("/operations/certificates").text
    cert_file = world.gateway.settings.tls.cert_file
    assert cert_file is not None
    own = html.split('id="own"', 1)[1].split("</table>", 1)[0]
    assert fingerprint(load_certificate(cert_file)) in own
    assert "urn:ssd-gateway:org:bh-solsikken" in own
    assert 'id="ca-1"' in html
    peers = html.split('id="peers"', 1)[1]
    for peer in world.gateway.directory:
        assert f'data-peer="{peer.org_id}"' in peers and peer.endpoint in peers
    assert "ikke fastlåst" in peers


def test_certificates_page_shows_the_crl(world: Seeded, ops: TestClient) -> None:
    """The CRL in force: its file and next update, the revoked serials, and a warning when
    this gateway's own certificate is on it."""
    from ssd_gateway.certs import DevelopmentCA

    html = ops.get("/operations/certificates?lang=en").text
    crl = html.split('id="crl"', 1)[1].split("</table>", 1)[0]
    assert "crl.pem" in crl and "Next update" in crl and "stale" not in crl
    assert "This gateway&#39;s certificate is revoked" not in html
    watched = world.gateway.trust.revocations
    assert watched is not None
    sandbox = watched.path.parent
    DevelopmentCA.load(sandbox).publish_crl(sandbox, revoke=world.gateway.key.cert)
    html = ops.get("/operations/certificates?lang=en").text
    assert f"{world.gateway.key.cert.serial_number:x}" in html.split('id="crl"', 1)[1]
    assert "This gateway&#39;s certificate is revoked" in html

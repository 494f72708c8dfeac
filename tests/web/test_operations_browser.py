"""The operations pages in a real headless Chromium (Debian's, via Playwright): log in as the
operator, retry a dead letter, cancel a pending transfer, filter the queue, read alerts and
certificates, take screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ops.test_alert_sources_support import PEER
from tests.web.conftest import LiveServer, logged_in, screenshot
from tests.web.test_operations_support import OPERATIONS, Seeded, seed

pytestmark = pytest.mark.browser


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Seeded]:
    """A sandbox gateway with a seeded outbox, quarantine, manual review and alerts."""
    seeded = seed(tmp_path)
    yield seeded
    seeded.gateway.close()


@pytest.fixture
def site(world: Seeded) -> Iterator[LiveServer]:
    """The gateway's pages app, served by uvicorn."""
    with LiveServer(world.app()) as server:
        yield server


@pytest.fixture
def page(browser: Any, site: LiveServer) -> Iterator[Any]:
    """A browser page logged in as the operator, on the start page."""
    context, tab = logged_in(browser, site.url, *OPERATIONS)
    yield tab
    context.close()


def _shot(tab: Any, folder: Path, name: str) -> Path:
    return screenshot(tab, folder, "operations-" + name)


def _row_state(tab: Any, transfer_id: str) -> str:
    return str(tab.locator(f"#transfers tr[data-id='{transfer_id}']").get_attribute("data-state"))


def test_retry_a_dead_letter_in_the_browser(page: Any, world: Seeded, shots: Path) -> None:
    """From the start page to the dead letters; pressing retry on one makes it pending in the
    queue and in the database, with the operator as the audited actor."""
    page.click("text=Døde breve")
    assert page.locator("h1").inner_text() == "Døde breve"
    target = world.dead[0]
    assert page.locator(f"#transfers tr[data-id='{target}']").count() == 1
    _shot(page, shots, "dead-letters")
    page.click(f"#transfers tr[data-id='{target}'] button.retry")
    page.wait_for_selector("#notice[data-notice='retried']")
    assert page.locator(f"#transfers tr[data-id='{target}']").count() == 0
    assert world.state_of(target) == "pending"
    page.goto(page.url.split("/operations")[0] + f"/operations/queue?peer={PEER}&state=pending")
    assert _row_state(page, target) == "pending"
    assert [(a.actor, a.detail["action"]) for a in world.operator_actions(target)] == [
        ("ole", "retry")]


def test_cancel_a_pending_transfer_in_the_browser(page: Any, world: Seeded,
                                                  shots: Path) -> None:
    """Filtering the queue to pending transfers and pressing cancel on one shows it cancelled
    after the redirect back to the same filtered list."""
    page.click("text=Kø")
    page.select_option("select[name=state]", "pending")
    page.click("#apply")
    page.wait_for_url("**/operations/queue?*state=pending*")
    ids = page.locator("#transfers tbody tr").evaluate_all("rs => rs.map(r => r.dataset.id)")
    assert sorted(ids) == sorted(world.pending)
    _shot(page, shots, "queue-pending")
    target = world.pending[1]
    page.click(f"#transfers tr[data-id='{target}'] button.cancel")
    page.wait_for_selector("#notice[data-notice='cancelled']")
    assert "state=pending" in page.url
    assert page.locator(f"#transfers tr[data-id='{target}']").count() == 0
    assert world.state_of(target) == "cancelled"
    page.goto(page.url.split("?")[0] + "?state=cancelled")
    assert _row_state(page, target) == "cancelled"
    cell = page.locator(f"#transfers tr[data-id='{target}'] .state").inner_text()
    assert cell == "annulleret"
    _shot(page, shots, "queue-cancelled")


def test_view_alerts_in_the_browser(page: Any, world: Seeded, shots: Path) -> None:
    """The alerts page lists the open alerts by kind in Danish and English; sweeping after a
    retry moves the peer's dead-letter alert to the cleared list."""
    page.click("text=Varsler")
    kinds = set(page.locator("#open-alerts tbody tr").evaluate_all(
        "rs => rs.map(r => r.dataset.kind)"))
    assert {"dead_letters", "first_assessment_due", "peer_unreachable"} <= kinds
    assert "døde breve til skole-valby" in page.locator("#open-alerts").inner_text()
    _shot(page, shots, "alerts")
    page.click("text=English")
    assert "dead letters to skole-valby" in page.locator("#open-alerts").inner_text()
    page.goto(page.url.split("/operations")[0] + "/operations/dead-letters")
    page.click(f"tr[data-peer='{PEER}'] button.retry-all")
    page.wait_for_selector("#notice[data-notice='retried']")
    page.goto(page.url.split("/operations")[0] + "/operations/alerts")
    page.click("#sweep")
    page.wait_for_selector("#notice[data-notice='swept']")
    assert page.locator(f"#cleared-alerts tr[data-key='dead_letters:{PEER}']").count() == 1
    assert page.locator(f"#open-alerts tr[data-key='dead_letters:{PEER}']").count() == 0
    _shot(page, shots, "alerts-after-sweep")


def test_certificates_and_quarantine_in_the_browser(page: Any, world: Seeded,
                                                    shots: Path) -> None:
    """The certificate overview shows the own certificate's days left and every peer; a
    quarantine entry opens with its reasons and without its payload."""
    page.click("text=Certifikater")
    days = int(page.locator("#own .days-left").get_attribute("data-days"))
    assert days > 60
    assert page.locator("#peers tbody tr").count() == len(world.gateway.directory)
    _shot(page, shots, "certificates")
    page.click("nav >> text=Karantæne")
    page.click(f"#entries tr[data-id='{world.quarantined}'] a")
    page.wait_for_selector("#problems")
    assert "cpr_invalid" in page.locator("#problems").inner_text()
    assert "Hans Hansen" not in page.content() and "120119" not in page.content()
    _shot(page, shots, "quarantine-entry")

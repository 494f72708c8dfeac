"""The compliance pages in a real headless Chromium (Debian's, via Playwright): log in, filter
the transfer log, page, open a trail, verify the log, print the report, take screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import LiveServer, logged_in, screenshot
from tests.web.test_compliance_support import (
    CHILD_A,
    COMPLIANCE,
    Gateway,
    build_gateway,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def gw(tmp_path: Path) -> Gateway:
    """A gateway database holding the story of two children and 60 routine permits."""
    return build_gateway(tmp_path)


@pytest.fixture
def site(gw: Gateway) -> Iterator[LiveServer]:
    """The web app with the compliance pages, served by uvicorn."""
    with LiveServer(gw.app(certificate=gw.cert)) as server:
        yield server


@pytest.fixture
def page(browser: Any, site: LiveServer) -> Iterator[Any]:
    """A browser page logged in as the compliance officer, on the start page."""
    context, tab = logged_in(browser, site.url, *COMPLIANCE)
    yield tab
    context.close()


def _shot(tab: Any, folder: Path, name: str) -> Path:
    return screenshot(tab, folder, name)


def _row_seqs(tab: Any) -> list[int]:
    return [int(s) for s in tab.locator("#entries tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.seq)")]


def test_filter_transfer_log_in_the_browser(page: Any, site: LiveServer, gw: Gateway,
                                            shots: Path) -> None:
    """From the start page to the transfer log; choosing an organisation and 'denied' and
    submitting the form changes the rows to exactly the matching refusals."""
    page.click("text=Overførsler")
    assert page.locator("h1").inner_text() == "Overførselslog"
    before = _row_seqs(page)
    assert len(before) == 50
    page.fill("input[name=org]", "sp-kbh")
    page.select_option("select[name=decision]", "deny")
    page.click("#apply")
    page.wait_for_url("**/compliance/transfers?*org=sp-kbh*")
    after = _row_seqs(page)
    assert after != before
    assert len(after) == gw.count(org="sp-kbh", decision="deny") == 2
    assert page.locator("#entries tbody tr td:nth-child(3)").all_inner_texts() == \
        ["Afgørelse", "Afgørelse"]
    assert page.locator("select[name=decision]").input_value() == "deny"
    assert page.locator("input[name=org]").input_value() == "sp-kbh"
    _shot(page, shots, "transfers-filtered")


def test_cpr_search_and_paging_in_the_browser(page: Any, site: LiveServer, gw: Gateway,
                                              shots: Path) -> None:
    """Typing a CPR narrows the log to that child without the CPR entering the address bar;
    the next page follows and keeps the filter."""
    page.goto(site.url + "/compliance/transfers?kind=decision")
    all_decisions = _row_seqs(page)
    child_entries = gw.count(cpr=CHILD_A, kind="decision")
    page.fill("input[name=cpr]", CHILD_A)
    page.click("#apply")
    page.wait_for_selector("#total")
    rows = _row_seqs(page)
    assert rows != all_decisions and len(rows) == child_entries
    hashes = set(page.locator("#entries code[title]").evaluate_all(
        "cs => cs.map(c => c.title)"))
    assert hashes == {gw.log.child_hash(CHILD_A)}
    assert CHILD_A not in page.url and "cpr" not in page.url
    assert page.locator("select[name=kind]").input_value() == "decision"
    _shot(page, shots, "transfers-child")
    # paging without a CPR: links that keep the filter
    page.goto(site.url + "/compliance/transfers?org=skole-valby")
    first = _row_seqs(page)
    page.click("#next")
    second = _row_seqs(page)
    assert "org=skole-valby" in page.url and second and max(second) < min(first)


def test_open_a_transfer_trail(page: Any, site: LiveServer, shots: Path) -> None:
    """Clicking a transfer id opens its evidence trail: decision, send, acknowledgement, in
    sequence order, in English when asked."""
    page.goto(site.url + "/compliance/transfers?org=bh-solsikken&kind=decision&lang=en")
    page.click("a:text('t-consent-1')")
    page.wait_for_url("**/compliance/transfers/t-consent-1*")
    assert page.locator("h1").inner_text() == "Evidence trail: t-consent-1"
    kinds = page.locator("#trail tbody tr").evaluate_all("rs => rs.map(r => r.dataset.kind)")
    seqs = page.locator("#trail tbody tr").evaluate_all("rs => rs.map(r => +r.dataset.seq)")
    assert kinds == ["decision", "send_attempt", "acknowledgement"]
    assert seqs == sorted(seqs)
    assert "dk-sel-2011" in page.locator("#trail").inner_text()
    _shot(page, shots, "trail")


def test_meetings_of_a_child_in_the_browser(page: Any, site: LiveServer, shots: Path) -> None:
    """Typing a CPR on the meetings page lists the child's §49a meetings in order."""
    page.goto(site.url + "/compliance/meetings")
    assert page.locator("#meetings").count() == 0
    page.fill("input[name=cpr]", CHILD_A)
    page.click("button[type=submit]")
    page.wait_for_selector("#meetings")
    ids = page.locator("#meetings tbody tr").evaluate_all("rs => rs.map(r => r.dataset.meeting)")
    assert ids == ["ssd-m-1", "ssd-m-2", "ssd-m-3"]
    assert page.locator("#meetings .ordinal").all_inner_texts()[:2] == ["første møde",
                                                                       "opfølgende møde"]
    assert CHILD_A not in page.url
    _shot(page, shots, "meetings")


def test_verification_page_in_the_browser(page: Any, site: LiveServer, gw: Gateway,
                                          shots: Path) -> None:
    """The verification page says the log is intact and how many entries await a signature."""
    page.goto(site.url + "/compliance/verification")
    assert page.locator("#status").get_attribute("data-ok") == "1"
    assert "Loggen er intakt" in page.locator("#status").inner_text()
    with gw.sessions() as db:
        size = gw.log.size(db)
    assert page.locator("#uncovered").inner_text() == str(size - gw.signed_size)
    _shot(page, shots, "verification")


def test_denials_and_printable_report(page: Any, site: LiveServer, shots: Path,
                                      tmp_path: Path) -> None:
    """Denials link to the filtered log; the disclosure report opens from its form and prints
    to a PDF."""
    page.goto(site.url + "/compliance/denials")
    page.click("tr[data-code=CONSENT_MISSING] a")
    assert len(_row_seqs(page)) == 2
    _shot(page, shots, "denials-to-log")
    page.goto(site.url + "/compliance/report?lang=en")
    page.fill("input[name=cpr]", CHILD_A)
    page.check("input[name=report_lang][value=en]")
    page.click("button[type=submit]")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Who has shared information about the child"
    assert CHILD_A not in page.content() and CHILD_A not in page.url
    _shot(page, shots, "report")
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5_000

"""The compliance pages through Starlette's TestClient: filters, paging, roles, English,
page-view evidence and the CPR never leaving the form."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from ssd_gateway.audit import LogQuery
from ssd_gateway.web import app as web_app
from tests.web.test_compliance_support import (
    CHILD_A,
    CHILD_B,
    COMPLIANCE,
    FILLERS,
    OPERATIONS,
    Gateway,
    build_gateway,
)

PAGES = ["/compliance/transfers", "/compliance/transfers/t-consent-1", "/compliance/denials",
         "/compliance/meetings", "/compliance/verification", "/compliance/report"]


@pytest.fixture
def gw(tmp_path: Path) -> Gateway:
    """A gateway database holding the story of two children and 60 routine permits."""
    return build_gateway(tmp_path)


def _client(gw: Gateway, user: tuple[str, str] = COMPLIANCE, **app_args: object) -> TestClient:
    client = TestClient(gw.app(**app_args))  # type: ignore[arg-type]
    response = client.post("/login", data={"username": user[0], "password": user[1],
                                           "next": "/"})
    assert response.status_code == 200, response.text
    return client


@pytest.fixture
def officer(gw: Gateway) -> TestClient:
    """A TestClient logged in as the compliance officer."""
    return _client(gw)


def _seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)"', html)]


def _page_views(gw: Gateway, **filters: object) -> int:
    return gw.count(kind="page_view", **filters)


# -- the transfer log -------------------------------------------------------------------


def test_transfer_log_pages_50_at_a_time_newest_first(gw: Gateway, officer: TestClient) -> None:
    """Page 1 holds the newest 50 entries; next/previous walk the whole log without overlap."""
    total = gw.count()  # before the first view is itself logged
    first = officer.get("/compliance/transfers")
    assert first.status_code == 200
    seqs = _seqs(first.text)
    assert seqs == list(range(total, total - 50, -1))
    assert f"{total} poster fundet" in first.text
    seen = list(seqs)
    html = first.text
    while (link := re.search(r'id="next" href="([^"]+)"', html)):
        html = officer.get(link.group(1).replace("&amp;", "&")).text
        seen += _seqs(html)
    assert seen == list(range(total, 0, -1))
    back = re.search(r'id="prev" href="([^"]+)"', html)
    assert back is not None
    previous = _seqs(officer.get(back.group(1).replace("&amp;", "&")).text)
    assert previous == seqs  # back to the first page (the views logged since are newer)


def test_filters_narrow_the_rows_and_paging_keeps_them(gw: Gateway, officer: TestClient) -> None:
    """An organisation + decision filter shows only matching rows; the next link keeps it."""
    html = officer.get("/compliance/transfers?org=sp-kbh&decision=permit").text
    expected = gw.count(org="sp-kbh", decision="permit")
    assert expected == FILLERS + 2  # the routine permits, a §49a permit and a consent permit
    assert f"{expected} poster fundet" in html
    link = re.search(r'id="next" href="([^"]+)"', html)
    assert link is not None and "org=sp-kbh" in link.group(1) and "decision=permit" in link.group(1)
    second = officer.get(link.group(1).replace("&amp;", "&")).text
    assert len(_seqs(html)) == 50 and len(_seqs(second)) == expected - 50
    assert "Sundhedsplejen København" in second and "tilladt" in second
    assert 'class="deny"' not in html + second


def test_reason_kind_and_date_filters(gw: Gateway, officer: TestClient) -> None:
    """Reason code, kind and a date range each select exactly the entries the log query does."""
    html = officer.get("/compliance/transfers?reason=CONSENT_MISSING").text
    assert len(_seqs(html)) == 2 == gw.count(reason_code="CONSENT_MISSING")
    html = officer.get("/compliance/transfers?kind=acknowledgement").text
    assert len(_seqs(html)) == gw.count(kind="acknowledgement") == 5
    html = officer.get("/compliance/transfers?until=2026-03-11&kind=decision").text
    assert len(_seqs(html)) == gw.count(kind="decision") - FILLERS
    html = officer.get("/compliance/transfers?since=2026-03-12&until=2026-03-12").text
    assert f"{FILLERS} poster fundet" in html


def test_post_without_cpr_redirects_to_a_bookmarkable_url(officer: TestClient) -> None:
    """Submitting the form without a CPR redirects (303) to a GET URL carrying the filters."""
    response = officer.post("/compliance/transfers", data={"cpr": "", "basis": "ssd_49a",
                                                           "kind": "decision"},
                            follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/compliance/transfers?")
    assert "basis=ssd_49a" in response.headers["location"]
    assert len(_seqs(officer.get(response.headers["location"]).text)) == 4


def test_cpr_filter_shows_one_child_and_is_never_echoed(gw: Gateway,
                                                        officer: TestClient) -> None:
    """A CPR search lists only that child's entries; the CPR is only in its form field, never
    in a URL, and the view is logged as a page_view about that child."""
    views_before = _page_views(gw, cpr=CHILD_A)
    entries = gw.count(cpr=CHILD_A)
    response = officer.post("/compliance/transfers", data={"cpr": CHILD_A},
                            follow_redirects=False)
    assert response.status_code == 200  # no redirect: the CPR would have to go in the URL
    html = response.text
    child_hash = gw.log.child_hash(CHILD_A)
    hashes = set(re.findall(r'<code title="([0-9a-f]{64})"', html))
    assert hashes == {child_hash}
    assert len(_seqs(html)) == entries
    assert html.count(CHILD_A) == 1
    assert f'name="cpr" value="{CHILD_A}"' in html
    assert CHILD_A not in str(response.url)
    assert "no-store" in response.headers["cache-control"]
    assert _page_views(gw, cpr=CHILD_A) == views_before + 1


def test_cpr_paging_uses_form_buttons(gw: Gateway, officer: TestClient) -> None:
    """With a CPR, paging is by buttons of the same form, so the CPR never goes in a link."""
    total = gw.count(cpr=CHILD_B)
    html = officer.post("/compliance/transfers", data={"cpr": CHILD_B}).text
    assert len(_seqs(html)) == 50
    button = re.search(r'name="before" value="(\d+)" id="next"', html)
    assert button is not None and 'id="next" href' not in html
    second = officer.post("/compliance/transfers",
                          data={"cpr": CHILD_B, "before": button.group(1)}).text
    assert max(_seqs(second)) < min(_seqs(html))
    assert len(_seqs(html)) + len(_seqs(second)) == total
    assert 'name="after"' in second and 'name="before"' not in second


def test_view_of_a_filtered_log_is_logged_with_its_filters(gw: Gateway,
                                                          officer: TestClient) -> None:
    """Viewing the log without a child writes a page_view naming the filters and no child."""
    officer.get("/compliance/transfers?org=sp-kbh&decision=deny")
    with gw.sessions() as db:
        view = gw.log.query(db, LogQuery(kind="page_view", newest_first=True, limit=1))[0]
    assert view.detail == {"page": "transfers", "org": "sp-kbh", "decision": "deny"}
    assert view.child is None and view.actor == "karin"


def test_view_is_logged_even_when_a_detail_is_refused(gw: Gateway,
                                                      officer: TestClient) -> None:
    """A paging number the log refuses as CPR-like still leaves a page_view (without it)."""
    views = _page_views(gw)
    response = officer.get("/compliance/transfers?before=1201194321")
    assert response.status_code == 200
    assert _page_views(gw) == views + 1
    with gw.sessions() as db:
        view = gw.log.query(db, LogQuery(kind="page_view", newest_first=True, limit=1))[0]
    assert view.detail == {"page": "transfers"}


def test_cpr_in_another_field_is_refused(gw: Gateway, officer: TestClient) -> None:
    """A CPR typed into the organisation field is refused, not redirected into a URL."""
    response = officer.post("/compliance/transfers", data={"org": CHILD_A},
                            follow_redirects=False)
    assert response.status_code == 400
    assert "CPR-feltet" in response.text
    assert CHILD_A not in response.text


def test_bad_filter_values_are_refused_politely(officer: TestClient) -> None:
    """Unknown choices and impossible dates give a 400 page with a message, not an error."""
    for query in ("kind=nonsense", "since=2026-13-40", "since=2026-03-12&until=2026-03-01"):
        response = officer.get(f"/compliance/transfers?{query}")
        assert response.status_code == 400 and 'role="alert"' in response.text
        assert not _seqs(response.text)  # no unfiltered log behind the message


def test_transfer_log_in_english(officer: TestClient) -> None:
    """``?lang=en`` gives English headings, kinds and decisions."""
    html = officer.get("/compliance/transfers?lang=en&decision=deny").text
    assert "<h1>Transfer log</h1>" in html and "denied" in html and "Decision" in html
    assert "No consent had been given" in html


# -- one transfer's trail ---------------------------------------------------------------


def test_trail_shows_every_entry_of_the_transfer_in_order(gw: Gateway,
                                                          officer: TestClient) -> None:
    """The trail lists decision, send attempt and acknowledgement with seq numbers in order,
    the rule pack and consent, and logs the view."""
    views = _page_views(gw)
    html = officer.get("/compliance/transfers/t-consent-1").text
    rows = re.findall(r'<tr data-seq="(\d+)" data-kind="(\w+)">', html)
    assert [k for _, k in rows] == ["decision", "send_attempt", "acknowledgement"]
    assert [int(s) for s, _ in rows] == [1, 2, 3]
    assert "dk-sel-2011" in html and "samtykke-1" in html and "Valby Skole" in html
    assert _page_views(gw) == views + 1
    with gw.sessions() as db:
        view = gw.log.query(db, LogQuery(kind="page_view", newest_first=True, limit=1))[0]
    assert view.detail == {"page": "transfer", "transfer_id": "t-consent-1"}
    assert view.actor == "karin"


def test_trail_of_a_refusal_names_the_reasons(officer: TestClient) -> None:
    """A denied transfer's trail shows each reason code with its text (English here)."""
    html = officer.get("/compliance/transfers/t-deny-2?lang=en").text
    assert "CONSENT_EXPIRED" in html and "The consent had expired" in html
    assert "The consent did not cover the recipient" in html


def test_unknown_transfer_is_404(officer: TestClient) -> None:
    """A transfer id the log does not know gives 404 with a message."""
    response = officer.get("/compliance/transfers/no-such-transfer")
    assert response.status_code == 404 and "findes ikke" in response.text


# -- denials by reason ------------------------------------------------------------------


def test_denials_counted_per_reason_and_linked_to_the_log(officer: TestClient) -> None:
    """Each reason code of a denied decision is counted; its link opens exactly those rows."""
    html = officer.get("/compliance/denials").text
    counts = dict(re.findall(r'<tr data-code="(\w+)">.*?<td class="count">(\d+)</td>', html,
                             re.S))
    assert counts == {"CONSENT_MISSING": "2", "CONSENT_EXPIRED": "1",
                      "CONSENT_RECIPIENT_NOT_COVERED": "1", "SSD_MEETING_LIMIT_REACHED": "1"}
    assert "4 afviste afgørelser i alt" in html
    assert "Der var ikke givet samtykke" in html
    link = re.search(r'<tr data-code="CONSENT_MISSING">.*?<a href="([^"]+)"', html, re.S)
    assert link is not None
    rows = officer.get(link.group(1).replace("&amp;", "&")).text
    assert len(_seqs(rows)) == 2 and "t-deny-1" in rows and "t-deny-3" in rows


def test_denials_by_date_and_in_english(officer: TestClient) -> None:
    """A date range outside the refusals gives none; English shows English reason texts."""
    assert "0 afviste" in officer.get("/compliance/denials?since=2026-03-12").text
    html = officer.get("/compliance/denials?lang=en").text
    assert "No consent had been given" in html and "4 denied decisions in all" in html


# -- §49a meetings ----------------------------------------------------------------------


def test_meetings_of_a_child(gw: Gateway, officer: TestClient) -> None:
    """The child's §49a decisions are grouped by meeting with ordinal, parties and decisions,
    and the lookup is logged as a page_view about the child."""
    views = _page_views(gw, cpr=CHILD_A)
    assert "name=\"cpr\"" in officer.get("/compliance/meetings").text
    html = officer.post("/compliance/meetings", data={"cpr": CHILD_A}).text
    meetings = re.findall(r'<tr data-meeting="([^"]*)">.*?<td class="ordinal">([^<]+)</td>',
                          html, re.S)
    assert meetings == [("ssd-m-1", "første møde"), ("ssd-m-2", "opfølgende møde"),
                        ("ssd-m-3", "3. møde")]
    first = html.split('data-meeting="ssd-m-1"')[1].split("</tr>")[0]
    for name in ("Børnehuset Solsikken", "Sundhedsplejen København",
                 "Børne- og familieafdelingen"):
        assert name in first
    assert first.count('href="/compliance/transfers/t-ssd-') == 2
    assert "SSD_MEETING_LIMIT_REACHED" in html
    assert _page_views(gw, cpr=CHILD_A) == views + 1
    assert html.count(CHILD_A) == 1


def test_meetings_in_english_and_none_for_other_child(officer: TestClient) -> None:
    """English labels; a child without §49a decisions gets a clear 'none'."""
    html = officer.post("/compliance/meetings?lang=en", data={"cpr": CHILD_A}).text
    assert "initial meeting" in html and "follow-up meeting" in html
    html = officer.post("/compliance/meetings?lang=en", data={"cpr": CHILD_B}).text
    assert "No §49a decisions about the child" in html


def test_meetings_needs_a_cpr(officer: TestClient) -> None:
    """Posting the meetings form without a CPR asks for one."""
    response = officer.post("/compliance/meetings", data={"cpr": ""})
    assert response.status_code == 400 and "Skriv et CPR-nummer" in response.text


# -- verification -----------------------------------------------------------------------


def test_verification_of_an_intact_log(gw: Gateway) -> None:
    """An intact log: status ok, the latest head's size and root, and the unsigned entries."""
    officer = _client(gw, certificate=gw.cert)
    html = officer.get("/compliance/verification").text
    assert 'data-ok="1"' in html and "Loggen er intakt" in html
    with gw.sessions() as db:
        head = gw.log.heads(db)[-1]
        size = gw.log.size(db)
    assert head.size == gw.signed_size
    assert f"<td>{head.size}</td>" in html and head.root.hex() in html
    assert f'<td id="uncovered">{size - head.size}</td>' in html
    assert "gatewayens certifikat" in html  # an independent check with the given certificate


def test_verification_finds_an_altered_entry(gw: Gateway, officer: TestClient) -> None:
    """An entry edited in the database is reported as altered, naming the entry."""
    with gw.engine.begin() as conn:  # the attack: rewrite a decision behind the log's back
        conn.execute(text("UPDATE audit_entry SET canonical = replace(canonical, "
                          "'\"deny\"', '\"permit\"') WHERE seq = 4"))
    html = officer.get("/compliance/verification?lang=en").text
    assert 'data-ok="0"' in html and "The log has been altered" in html
    assert '<tr data-kind="changed" data-seq="4">' in html
    assert "Entry 4" in html


# -- the disclosure report --------------------------------------------------------------


def test_disclosure_report_for_a_child(gw: Gateway, officer: TestClient) -> None:
    """The report page renders the child's disclosure report (verified), without the CPR,
    and logs the view."""
    views = _page_views(gw, cpr=CHILD_A)
    assert 'name="cpr"' in officer.get("/compliance/report").text
    response = officer.post("/compliance/report", data={"cpr": CHILD_A, "report_lang": "da",
                                                        "verify": "1"})
    html = response.text
    assert response.status_code == 200 and "Hvem har delt oplysninger om barnet" in html
    assert "12.01.2019" in html and CHILD_A not in html
    assert "Valby Skole" in html and "Underretning" in html
    assert "kontrollen af loggen fandt ændringer" not in html
    assert _page_views(gw, cpr=CHILD_A) == views + 1


def test_disclosure_report_for_parents_in_english(officer: TestClient) -> None:
    """The parents' variant in English leaves out the withheld underretning."""
    html = officer.post("/compliance/report", data={"cpr": CHILD_A, "report_lang": "en",
                                                    "for_parents": "1"}).text
    assert "How your child&#39;s information has been shared" in html
    assert "Underretning" not in html
    assert "No consent had been given" in html


# -- roles, menu and logs ---------------------------------------------------------------


def test_operations_account_is_refused_every_page(gw: Gateway) -> None:
    """An operations account gets 403 on every compliance page and no page view is logged."""
    client = _client(gw, OPERATIONS)
    views = _page_views(gw)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "ikke adgang" in response.text
    for path in ("/compliance/transfers", "/compliance/meetings", "/compliance/report"):
        assert client.post(path, data={"cpr": CHILD_A}).status_code == 403
    assert _page_views(gw) == views


def test_anonymous_visitor_is_sent_to_login(gw: Gateway) -> None:
    """Without a session every page redirects to the login page."""
    client = TestClient(gw.app())
    for path in PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_start_page_links_the_compliance_pages(gw: Gateway) -> None:
    """The start page shows the compliance links to an officer, not to operations."""
    compliance_home = _client(gw).get("/").text
    assert 'href="/compliance/transfers?lang=da"' in compliance_home
    assert 'href="/compliance/verification?lang=da"' in compliance_home
    assert "/compliance/" not in _client(gw, OPERATIONS).get("/").text.split("<main>")[1]
    assert len([e for e in web_app.MENU if e[1] == "/compliance/transfers"]) == 1


def test_no_cpr_in_application_logs(gw: Gateway, officer: TestClient,
                                    caplog: pytest.LogCaptureFixture) -> None:
    """Searching, viewing meetings and reports by CPR writes no CPR to any application log."""
    caplog.set_level(logging.DEBUG)
    officer.post("/compliance/transfers", data={"cpr": CHILD_A})
    officer.post("/compliance/meetings", data={"cpr": CHILD_A})
    officer.post("/compliance/report", data={"cpr": CHILD_B, "verify": "1"})
    officer.post("/compliance/transfers", data={"org": CHILD_A})
    assert caplog.records  # the capture works (httpx logs each request)
    for record in caplog.records:
        message = record.getMessage()
        assert CHILD_A not in message and CHILD_B not in message
        assert "1201194321" not in message

"""Login, language and roles, in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ssd_gateway.accounts import add_account
from ssd_gateway.db import Base, make_engine
from ssd_gateway.web.app import create_web_app
from ssd_gateway.web.core import WebContext, requires
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LiveServer]:
    """The web app on a SQLite file with one compliance and one operations account."""
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    Base.metadata.create_all(engine)
    factory: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as db:
        add_account(db, "karin", "compliance-pw-123", "compliance")
        add_account(db, "ole", "operations-pw-123", "operations")
    ctx = WebContext(sessions=factory)

    @requires(ctx, "compliance")
    async def secret(_request: Request) -> Response:
        return HTMLResponse("<h1>compliance only</h1>")

    with LiveServer(create_web_app(ctx, [Route("/secret", secret)])) as server:
        yield server


def _login(page: Any, base: str, user: str, password: str) -> None:
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_login_page_is_danish_and_switches_to_english(browser: Any, site: LiveServer,
                                                      tmp_path: Path) -> None:
    """Unauthenticated visitors are sent to a Danish login page with an English link."""
    page = browser.new_page()
    page.goto(site.url + "/secret")
    assert page.locator("h1").inner_text() == "Log ind"
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Log in"
    page.screenshot(path=str(tmp_path / "login.png"))
    assert (tmp_path / "login.png").stat().st_size > 1000


def test_wrong_password_is_refused(browser: Any, site: LiveServer) -> None:
    """A wrong password shows an error and no session cookie is set."""
    page = browser.new_page()
    page.goto(site.url + "/login")
    _login(page, site.url, "karin", "not-the-password")
    assert "Forkert brugernavn" in page.locator("[role=alert]").inner_text()
    assert not [c for c in page.context.cookies() if c["name"] == "ssd_session"]


def test_login_returns_to_the_page_asked_for(browser: Any, site: LiveServer) -> None:
    """After logging in, the compliance officer lands on the page first requested."""
    page = browser.new_page()
    page.goto(site.url + "/secret")
    _login(page, site.url, "karin", "compliance-pw-123")
    assert page.locator("h1").inner_text() == "compliance only"


def test_other_role_is_forbidden(browser: Any, site: LiveServer) -> None:
    """An operations account cannot open a compliance page (403 with a clear text)."""
    page = browser.new_page()
    page.goto(site.url + "/login?next=/secret")
    _login(page, site.url, "ole", "operations-pw-123")
    assert "ikke adgang" in page.locator("h1").inner_text()

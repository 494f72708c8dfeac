"""A live web server in a thread, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """Runs an ASGI app with uvicorn in a background thread."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's), or a visible skip when it is not installed."""
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} not installed (apt-get install chromium)"
        if os.environ.get("SSD_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " and SSD_REQUIRE_SERVICES=1")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go (``SSD_SCREENSHOTS`` keeps them, else a tmp dir)."""
    folder = Path(os.environ.get("SSD_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def logged_in(browser: Any, base_url: str, user: str, password: str) -> tuple[Any, Any]:
    """A 1400-px browser context and a tab logged in as ``user`` on the start page."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.goto(base_url + "/login")
    tab.fill("input[name=username]", user)
    tab.fill("input[name=password]", password)
    tab.click("button[type=submit]")
    tab.wait_for_url(base_url + "/")
    return context, tab


def screenshot(tab: Any, folder: Path, name: str) -> Path:
    """A full-page PNG of ``tab``, checked to be wide, tall and not blank."""
    from tests.web.test_compliance_support import png_facts

    path = folder / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    width, height, distinct = png_facts(path)
    assert width >= 1400 and height >= 300
    assert distinct > 20, f"{path.name} looks blank"
    assert path.stat().st_size > 10_000
    return path

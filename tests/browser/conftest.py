"""Browser tests: Debian's chromium driven by Playwright, against the live server.

They skip, saying why, when /usr/bin/chromium is absent (`apt-get install chromium`).
WeChat is stood in for by a real local HTTP server (pytest-httpserver).
"""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections

CHROMIUM = Path(os.environ.get("WRIST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DOCS = Path(__file__).resolve().parents[2] / "docs"
TOKEN = "ACCESS_TOKEN_FOR_BROWSER_TESTS"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    skip = pytest.mark.skip(
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    )
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@pytest.fixture
def page(transactional_db, live_server, monkeypatch):
    """A fresh Chromium page on the live server.

    Chromium is started per test, after the database: Playwright's sync API
    runs an event loop in this thread while it is open, and Django refuses
    database work under a running loop unless told it is safe (it is: the
    test's own calls are plain synchronous calls between browser steps).
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1200, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        # Work done while Playwright ran may have opened its own connection
        # (greenlets carry their own context); close it so the test database
        # can be dropped at the end of the session.
        connections.close_all()


@pytest.fixture
def wechat(httpserver, settings):
    """WeChat's API as a real local HTTP server; the token endpoint answers."""
    settings.WECHAT_API_BASE_URL = httpserver.url_for("/")
    cache.clear()
    httpserver.expect_request("/cgi-bin/stable_token", method="POST").respond_with_json(
        {"access_token": TOKEN, "expires_in": 7200}
    )
    yield httpserver
    cache.clear()


def save_screenshot(page, name: str) -> None:
    """Keep the README's screenshots current: written when missing, or with WRIST_SCREENSHOTS=1.

    Otherwise left alone, so that running the suite does not dirty the worktree.
    """
    target = DOCS / name
    if target.exists() and os.environ.get("WRIST_SCREENSHOTS") != "1":
        return
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(target), full_page=True)

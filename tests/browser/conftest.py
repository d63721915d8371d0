"""Headless chromium (Playwright, sync API) against pytest-django's live server.

The browser is the system chromium (LINLI_CHROMIUM or /usr/bin/chromium); without it, or without
the playwright package, these tests are skipped with the reason. Screenshots go to
test-artifacts/screenshots/ (not committed).
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it are sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def _chromium() -> str | None:
    for candidate in (os.environ.get("LINLI_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    executable = _chromium()
    if executable is None:
        pytest.skip("no chromium found (apt-get install chromium fonts-noto-cjk, or set LINLI_CHROMIUM)")
    pw = sync_api.sync_playwright().start()
    b = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"])
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def open_page(browser, live_server):
    """open_page(viewport=PHONE) -> a fresh page (own cookies) whose goto() takes paths on the live server."""
    contexts = []

    def make(viewport=None, locale="zh-CN"):
        ctx = browser.new_context(viewport=viewport or DESKTOP, locale=locale, device_scale_factor=1,
                                  is_mobile=bool(viewport and viewport["width"] < 600), has_touch=bool(viewport and viewport["width"] < 600))
        ctx.set_default_timeout(15000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.base = live_server.url
        page.errors = []  # JavaScript errors and failed requests, for assertions and failure messages
        page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and page.errors.append(f"console: {msg.text}"))
        return page

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def shoot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def sign_in(page, username: str, password: str):
    page.goto(page.base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(page.base + "/")

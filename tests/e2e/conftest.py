"""Browser journeys: pytest-playwright driving Debian's Chromium against the real app.

The test session serves the app itself (werkzeug's server on 127.0.0.1, a free port, in a
daemon thread) on its OWN database: a temporary SQLite file filled with the 东湖区 demo
(`consult.demo.seed_demo`), CSRF on, whatever DATABASE_URL the rest of the suite uses.
The server runs in this process, so `consult.core.time.set_offset` moves its clock too
(the `clock` fixture resets it after each test).

Set-up (`make e2e-deps`, run by `make test`) installs Chromium with apt and axe-core with
npm; Playwright's own browser download (`playwright install`) is never used. When a journey
fails, a screenshot of every page it had open is saved under test-artifacts/e2e/.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.helpers import demo_site

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"

DEMO_PASSWORD = "demo-password-2026"
ADMIN = "admin@donghu.example"
HOUSING_OFFICER = "housing@donghu.example"
REPRESENTATIVE = "representative@donghu.example"

PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


# --- ordering ----------------------------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Run the browser journeys after everything else. They start a second app (and
    Playwright's event loop) in this process; the rest of the suite never shares a moment
    with them, and a failure elsewhere shows up before the slow part. (trylast: after
    pytest's own reordering by parametrized fixtures, which would pull them forward.)"""
    browser = [i for i in items if _is_e2e(i)]
    if browser:
        others = [i for i in items if not _is_e2e(i)]
        items[:] = others + browser


def pytest_itemcollected(item):
    """Under pytest-xdist the browser tests of one file go to one worker (`--dist loadgroup`):
    a worker seeds the demo and starts Chromium once for all the files it is given, and the
    files (accessibility, journeys, keyboard) can run on different cores."""
    if _is_e2e(item):
        item.add_marker(pytest.mark.xdist_group(f"browser-{Path(str(item.path)).stem}"))


def _is_e2e(item) -> bool:
    return E2E_DIR in Path(str(item.path)).resolve().parents


# --- the served app ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def e2e_app():
    """The app on a temporary SQLite file with the demo data, CSRF on."""
    from consult import create_app
    from consult.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="consult-e2e-"))
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{demo_site(tmp)}",
        WTF_CSRF_ENABLED=True,
        STORAGE_DIR=str(tmp / "files"),
        MAIL_OUTBOX=str(tmp / "outbox"),
        # Every journey comes from 127.0.0.1: the per-address limits stay on, just wider
        # than one person's, so the journeys together do not trip them.
        COMMENT_RATE_LIMIT="60 per minute",
        LOGIN_RATE_LIMIT="60 per minute",
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def live_server(e2e_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, e2e_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.server_port}"
    # Links in mails and QR codes come from PUBLIC_URL: the site's address is this server's.
    e2e_app.config["PUBLIC_URL"] = address
    try:
        yield address
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """pytest-playwright gives every context this base URL: page.goto("/") works."""
    return live_server


@pytest.fixture
def app_db(e2e_app) -> Callable[[], contextlib.AbstractContextManager]:
    """`with app_db() as db:` — work on the served database from the test (in its own app
    context), committed at the end of the block, as a request would."""
    from consult.extensions import db

    @contextlib.contextmanager
    def _block():
        with e2e_app.app_context():
            try:
                yield db
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    return _block


@pytest.fixture
def clock() -> Iterator[Callable[[timedelta], None]]:
    """`clock(timedelta(days=40))` moves the app's clock (the server runs in this process);
    put back after the test."""
    from consult.core import time as app_time

    yield app_time.set_offset
    app_time.set_offset(timedelta(0))


# --- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests run Debian's Chromium. "
            "`make test` (its e2e-deps step) installs it with apt-get."
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def context(new_context):
    """The default page (pytest-playwright's `page`) is a 1280×900 desktop."""
    return new_context(**DESKTOP)


@pytest.fixture
def phone(new_context):
    """A page on a 375-px phone (touch, mobile viewport)."""
    return new_context(**PHONE).new_page()


@pytest.fixture
def new_page(new_context) -> Callable[..., Any]:
    """Another person's browser: `new_page()` (desktop) or `new_page(**PHONE)`."""

    def _page(**options):
        return new_context(**{**DESKTOP, **options}).new_page()

    return _page


# --- helpers used by the journeys ---------------------------------------------------------


def log_in(page, email: str, password: str = DEMO_PASSWORD, *, english: bool = True) -> None:
    """Log in through the form; optionally switch the UI to English first with the header
    switch (the language choice is a cookie, kept for the rest of the test)."""
    page.goto("/login")
    if english:
        page.get_by_role("navigation", name=re.compile("语言|Language")).get_by_role(
            "link", name="English"
        ).click()
        page.wait_for_url(re.compile(r"/login"))
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("main").get_by_role("button", name="Log in").click()
    else:
        page.get_by_label("电子邮箱").fill(email)
        page.get_by_label("密码").fill(password)
        page.get_by_role("main").get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"login as {email} failed"


# --- screenshots of failed journeys -------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and report.when in ("setup", "call") and _is_e2e(item):
        saved = _screenshot_open_pages(item, report.when)
        if saved:
            listing = "\n".join(str(p) for p in saved)
            report.sections.append(("e2e screenshots", f"saved on failure:\n{listing}"))
    return report


def _screenshot_open_pages(item, when: str) -> list[Path]:
    browser = item.funcargs.get("browser") if hasattr(item, "funcargs") else None
    if browser is None:
        return []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])[:120]
    saved = []
    for c, ctx in enumerate(browser.contexts):
        for p, page in enumerate(ctx.pages):
            path = ARTIFACTS / f"{stem}-{when}-{c}-{p}.png"
            try:
                page.screenshot(path=str(path), full_page=True, timeout=10_000)
            except Exception as exc:  # a crashed page must not hide the real failure
                path.with_suffix(".txt").write_text(f"no screenshot of {page.url}: {exc}\n")
                continue
            path.with_suffix(".url.txt").write_text(page.url + "\n")
            saved.append(path)
    return saved

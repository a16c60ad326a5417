"""Fixtures for the real-browser tests: Debian's Chromium driven by Playwright, and axe-core.

The browser is the system one (/usr/bin/chromium), never a downloaded build.
"""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
# Auto-waiting limit for every action and expect(): the live server answers in milliseconds,
# so a few seconds is plenty and a broken page fails fast instead of hanging the suite.
TIMEOUT_MS = 10_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for all the browser tests.

    Playwright's sync API keeps an event loop running in the test thread while it is open, and
    Django refuses database access from a thread with a running loop unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set. Both are confined to these tests (package scope, the
    variable restored afterwards): with the loop open or the variable set, the rest of the suite
    would fail, e.g. `manage.py check --deploy` run in a subprocess reports async.E001.
    """
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def new_context(browser):
    """new_context(**options) opens a fresh browser context (own cookies), closed after the test."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", VIEWPORT)
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a new browser context, 1280×900, with the site's Content-Security-Policy on."""
    return new_context().new_page()


@pytest.fixture
def axe_page(new_context):
    """A page whose context bypasses the CSP, so the axe-core script can be injected."""
    return new_context(bypass_csp=True).new_page()


_AXE = Axe()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']} "
            f"[{violation.get('helpUrl', '')}]"
        )
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}: {node.get('html', '')[:200]}")
            summary = node.get("failureSummary")
            if summary:
                lines.extend(f"      {line}" for line in summary.splitlines())
    return "\n".join(lines)


def run_axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now (run in a context with bypass_csp=True).

    Closed <details> are opened first, so what they hide (e.g. the map as a table) is checked.
    """
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    return _AXE.run(page).response["violations"]


def assert_no_axe_violations(page) -> None:
    """Run axe-core on the current page and fail with a readable list of violations."""
    violations = run_axe(page)
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {page.url}:\n"
        + format_violations(violations)
    )


def axe_report(page) -> str:
    """A readable list of axe-core's violations on the page, or "" when there is none."""
    return format_violations(run_axe(page))


@pytest.fixture
def axe():
    """axe(page): axe-core's violations on the page as readable text ("" when there is none)."""
    return axe_report


@pytest.fixture
def check_axe():
    """check_axe(page): fail, listing rule, impact and nodes, if axe-core finds a violation."""
    return assert_no_axe_violations

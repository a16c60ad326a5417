"""Fixtures for the real-browser tests: Debian's Chromium driven by Playwright, and axe-core.

The browser is the system one (/usr/bin/chromium), never a downloaded build. Playwright's sync
API runs an event loop in the test thread, so Django must be told that database access from
that thread is intended.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

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


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


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


def assert_no_axe_violations(page) -> None:
    """Run axe-core on the current page and fail with a readable list of violations."""
    results = _AXE.run(page)
    violations = results.response["violations"]
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {page.url}:\n"
        + format_violations(violations)
    )


@pytest.fixture
def check_axe():
    """check_axe(page): axe-core finds no violation on the page as it is now."""
    return assert_no_axe_violations

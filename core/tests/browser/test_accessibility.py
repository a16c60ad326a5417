"""axe-core finds nothing on the main pages, which also work on a 360 px wide screen.

Public pages are checked as a visitor sees them; the pages of the contribution workflow as a
moderator sees them, with a pending request and a revertible change so their forms are there.
"""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from accounts import services as account_services
from libraries import services as library_services

pytestmark = pytest.mark.browser

PAGES = [
    "/en/",
    "/en/libraries/",
    "/en/libraries/{slug}/",
    "/en/libraries/map/",
    "/en/libraries/map/?colour=organisation&organisation=cenl",
    "/en/accounts/login/",
    "/en/accounts/signup/",
    "/en/changes/",
    "/fr/",
]


def check_pages(page, base: str, addresses: list[str], axe) -> None:
    """Open each page and collect axe's findings, so one run reports every failing page.

    (One test per group of pages rather than one per page: each browser test pays for a fresh
    database, and the pages only read.)
    """
    reports = []
    for address in addresses:
        response = page.goto(base + address)
        assert response is not None and response.status == 200, f"{address}: {response.status}"
        expect(page.locator("main h1")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", address.split("/")[1])
        report = axe(page)
        if report:
            reports.append(f"{address}\n{report}")
    assert not reports, "axe-core found accessibility violations:\n\n" + "\n\n".join(reports)


def test_public_pages_have_no_axe_violations(live_server, registry, axe_page, axe):
    addresses = [address.format(slug=registry["A"].slug) for address in PAGES]
    check_pages(axe_page, live_server.url, addresses, axe)


def test_narrow_screen_has_no_horizontal_scrolling(live_server, registry, new_context):
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    for address in ["/en/", "/en/libraries/"]:
        page.goto(live_server.url + address)
        expect(page.locator("main h1")).to_be_visible()
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 360 + 1, f"{address} is {scroll_width}px wide at a 360px viewport"


@pytest.mark.parametrize("width", [360, 1280])
def test_right_to_left_pages_are_no_wider_than_the_screen(
    live_server, registry, new_context, width
):
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    for address in ["/ar/", "/ar/libraries/", "/ar/practices/"]:
        page.goto(live_server.url + address)
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("main h1")).to_be_visible()
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width + 1, f"{address} is {scroll_width}px wide at {width}px"


def test_skip_link_is_first_and_moves_focus_to_main(live_server, registry, page):
    page.goto(live_server.url + "/en/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown while focused, for sighted keyboard users
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/en/#main")
    expect(page.locator("main#main")).to_be_focused()


def sign_in(context, live_server, user) -> None:
    """Give the browser context a session for `user` (the journey test uses the real form)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


SIGNED_IN_PAGES = [
    "/en/accounts/profile/",
    "/en/accounts/moderation/",
    "/en/accounts/contribute/{slug_c}/",
    "/en/libraries/{slug}/edit/",
    "/en/libraries/{slug}/history/",
]


def test_moderator_pages_have_no_axe_violations(live_server, personas, registry, new_context, axe):
    # Something to review and something to revert, so the forms are on the pages.
    account_services.request_affiliation(personas["member"], registry["C"], "I work there.")
    library_services.update_library(
        registry["A"],
        {"city": "Paris 13e"},
        user=personas["alice"],
        reason="New address",
        expected_version=registry["A"].version,
    )
    context = new_context(bypass_csp=True)
    sign_in(context, live_server, personas["moderator"])
    addresses = [
        address.format(slug=registry["A"].slug, slug_c=registry["C"].slug)
        for address in SIGNED_IN_PAGES
    ]
    check_pages(context.new_page(), live_server.url, addresses, axe)

"""axe-core finds nothing on the main public pages, which also work on a 360 px wide screen."""

import pytest
from playwright.sync_api import expect

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


@pytest.mark.parametrize("address", PAGES)
def test_page_has_no_axe_violations(live_server, registry, axe_page, check_axe, address):
    url = live_server.url + address.format(slug=registry["A"].slug)
    response = axe_page.goto(url)
    assert response is not None and response.status == 200, f"{url} answered {response.status}"
    expect(axe_page.locator("main h1")).to_be_visible()
    check_axe(axe_page)


@pytest.mark.parametrize("address", ["/en/", "/en/libraries/"])
def test_narrow_screen_has_no_horizontal_scrolling(live_server, registry, new_context, address):
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(live_server.url + address)
    expect(page.locator("main h1")).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360 + 1, f"{address} is {scroll_width}px wide at a 360px viewport"


def test_skip_link_is_first_and_moves_focus_to_main(live_server, registry, page):
    page.goto(live_server.url + "/en/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown while focused, for sighted keyboard users
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/en/#main")
    expect(page.locator("main#main")).to_be_focused()

"""The practices database in a real browser: a member proposes a practice, a moderator publishes
it, another member proposes an edit that is accepted, the author goes back to an earlier revision,
and a visitor finds it by search and facet. Markdown with attacks in it runs nothing.
"""

import re

import pytest
from playwright.sync_api import expect

from core.tests.browser.test_accessibility import check_pages, sign_in
from practices.models import Practice
from practices.seed import load_kinds

pytestmark = pytest.mark.browser

XSS_BODY = "\n\n".join(
    [
        "## Lessons",
        "<script>window.__xss = 1</script>",
        '<img src="x" onerror="window.__xss = 2">',
        "[click](javascript:window.__xss=3)",
        '<a href="jav&#x09;ascript:window.__xss=4">tab</a>',
        '<svg onload="window.__xss = 5"></svg>',
        '<iframe src="javascript:window.__xss=6"></iframe>',
        '<p style="background:url(javascript:window.__xss=7)">styled</p>',
        "Plain **bold** text survives.",
    ]
)


@pytest.fixture
def kinds(db):
    load_kinds()


def fill_practice(page, title: str, body: str = "") -> None:
    page.get_by_label("Title:", exact=True).fill(title)
    page.get_by_label("Summary:", exact=True).fill(
        "Scattered manuscripts of one abbey library brought together online."
    )
    page.get_by_label("Description:", exact=True).fill(body or "The **whole** story.")
    page.get_by_label("Language of the text:", exact=True).select_option("en")
    page.get_by_label("Kind:", exact=True).select_option("digital-unification")
    page.get_by_label("Start year:", exact=True).fill("2010")
    page.get_by_label("End year:", exact=True).fill("2014")
    page.get_by_label("Countries:", exact=True).fill("FR\nNO")


def test_a_practice_is_proposed_published_edited_reverted_and_found(
    live_server, personas, registry, kinds, new_context
):
    base = live_server.url
    member_context = new_context()
    sign_in(member_context, live_server, personas["alice"])
    alice = member_context.new_page()

    # --- Alice proposes a practice; a wrong year is refused and her text is kept. ---
    alice.goto(f"{base}/en/practices/")
    alice.get_by_role("link", name="Propose a practice").click()
    fill_practice(alice, "Virtual Clairvaux abbey library")
    alice.get_by_label("End year:", exact=True).fill("2001")
    alice.get_by_role("button", name="Save").click()
    expect(alice.get_by_role("main")).to_contain_text(
        "The end year cannot be before the start year"
    )
    title = alice.get_by_label("Title:", exact=True)
    expect(title).to_have_value("Virtual Clairvaux abbey library")
    alice.get_by_label("End year:", exact=True).fill("2014")
    alice.get_by_role("button", name="Save").click()
    expect(alice.get_by_role("heading", level=1)).to_contain_text("Virtual Clairvaux abbey library")
    expect(alice.get_by_role("main")).to_contain_text("only its authors and the moderators")
    code = Practice.objects.get().code

    # A visitor does not see the draft.
    visitor = new_context().new_page()
    assert visitor.goto(f"{base}/en/practices/{code}/").status == 404

    alice.get_by_role("button", name="Submit for review").click()
    expect(alice.get_by_role("main")).to_contain_text("Submitted for review")

    # --- The moderator publishes it. ---
    moderator_context = new_context()
    sign_in(moderator_context, live_server, personas["moderator"])
    moderator = moderator_context.new_page()
    moderator.goto(f"{base}/en/practices/review/")
    moderator.get_by_role("link", name="Virtual Clairvaux abbey library").first.click()
    moderator.get_by_role("button", name="Publish", exact=True).click()
    expect(moderator.get_by_role("main")).not_to_contain_text("Submitted for review")

    # --- Bob, another member, proposes an edit; the moderator accepts it. ---
    bob_context = new_context()
    sign_in(bob_context, live_server, personas["bob"])
    bob = bob_context.new_page()
    bob.goto(f"{base}/en/practices/{code}/")
    bob.get_by_role("link", name="Propose an edit").click()
    bob.get_by_label("Title:", exact=True).fill("Virtual library of Clairvaux Abbey")
    bob.get_by_label("Note for the history (optional):").fill("The usual name of the project")
    bob.get_by_role("button", name="Send the edit for review").click()
    expect(bob.get_by_role("main")).to_contain_text("waits for a moderator")
    proposal_url = bob.url

    moderator.goto(proposal_url)
    moderator.get_by_role("button", name="Accept and apply").click()
    moderator.goto(f"{base}/en/practices/{code}/")
    expect(moderator.get_by_role("heading", level=1)).to_contain_text(
        "Virtual library of Clairvaux Abbey"
    )

    # --- Alice, the author, goes back to her first revision from the history. ---
    alice.goto(f"{base}/en/practices/{code}/history/")
    alice.get_by_role("link", name=re.compile(r"^1$")).first.click()
    alice.get_by_label("Why go back to this revision").fill("Keep the original title")
    alice.get_by_role("button", name="Go back to this revision").click()
    expect(alice.get_by_role("heading", level=1)).to_contain_text("Virtual Clairvaux abbey library")
    alice.goto(f"{base}/en/practices/{code}/history/")
    expect(alice.get_by_role("table")).to_contain_text("revert")

    # --- A visitor finds it by search and by facet, and downloads exactly that. ---
    visitor.goto(f"{base}/en/practices/")
    visitor.get_by_role("searchbox", name="Search").fill("clairvaux abbey")
    visitor.get_by_role("button", name="Search").click()
    results = visitor.get_by_role("main")
    expect(results.get_by_role("link", name="Virtual Clairvaux abbey library")).to_be_visible()
    visitor.get_by_role("link", name=re.compile("Norway")).first.click()
    expect(visitor).to_have_url(re.compile(r"country=NO"))
    expect(results.get_by_role("link", name="Virtual Clairvaux abbey library")).to_be_visible()
    download = visitor.get_by_role("link", name="Download CSV")
    expect(download).to_have_attribute(
        "href", re.compile(r"q=clairvaux.*country=NO|country=NO.*q=clairvaux")
    )


def test_markdown_attacks_run_nothing_in_the_browser(
    live_server, personas, registry, kinds, new_context
):
    context = new_context()
    sign_in(context, live_server, personas["alice"])
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server.url}/en/practices/new/")
    fill_practice(page, "A practice with attacks in it", XSS_BODY)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("main")).to_contain_text("Plain bold text survives.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("A practice with attacks in it")
    expect(page.locator("main strong").filter(has_text="bold")).to_have_count(1)
    page.wait_for_timeout(300)  # give any injected handler a chance to fire
    assert page.evaluate("window.__xss") is None
    assert not dialogs
    main = page.locator("main").inner_html()
    for forbidden in ("<script", "onerror", "onload", "javascript:", "<iframe", "style="):
        assert forbidden not in main


def test_practice_pages_have_no_axe_violations(
    live_server, personas, registry, kinds, new_context, axe
):
    from practices import services

    practice = services.start_practice(
        {
            "title": "Legal deposit of e-books",
            "summary": "How a national library collects e-books.",
            "language": "en",
            "kind": "legal-deposit",
            "countries": ["FR"],
        },
        user=personas["alice"],
    )
    practice = services.submit_practice(practice, user=personas["alice"], expected_version=None)
    services.approve_practice(practice, user=personas["moderator"], expected_version=None)
    context = new_context(bypass_csp=True)
    sign_in(context, live_server, personas["moderator"])
    code = practice.code
    check_pages(
        context.new_page(),
        live_server.url,
        [
            "/en/practices/",
            "/en/practices/?q=deposit&country=FR",
            "/en/practices/map/",
            f"/en/practices/{code}/",
            f"/en/practices/{code}/edit/",
            f"/en/practices/{code}/history/",
            f"/en/practices/{code}/revisions/1/",
            "/en/practices/review/",
            "/en/practices/mine/",
        ],
        axe,
    )

"""The function framework in a real browser: a contributor fills in, submits and sees published
her library's profile; a visitor compares libraries and reads positions and maps.

Locators are the accessible ones (roles, names, labels), so the test also checks that every
control it uses has a name a screen reader would announce.
"""

import re

import pytest
from playwright.sync_api import expect

from core.actors import SEED
from core.tests.browser.test_accessibility import check_pages, sign_in
from functions import services as function_services
from functions.models import Profile
from functions.seed import load_framework

pytestmark = pytest.mark.browser


@pytest.fixture
def beta_round(db):
    load_framework()
    from functions.models import Round

    return Round.objects.get(year=2020)


def item(page, code: str):
    """The fieldset of one item on the profile form: its legend is the item's code and text."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(code)} "))


def publish(library, round_, answers: dict) -> Profile:
    profile = function_services.start_profile(library, round_, user=SEED)
    profile = function_services.save_answers(
        profile, answers, user=SEED, reason="test data", expected_version=profile.version
    )
    return function_services.publish_profile(profile, user=SEED, expected_version=profile.version)


def test_contributor_fills_in_submits_and_sees_the_profile_published(
    live_server, personas, registry, beta_round, new_context
):
    base = live_server.url
    library = registry["A"]
    alice_context = new_context()
    sign_in(alice_context, live_server, personas["alice"])
    alice = alice_context.new_page()

    # --- From her library's page, Alice opens this round's profile and starts it. ---
    alice.goto(f"{base}/en/libraries/{library.slug}/")
    alice.get_by_role("link", name="Profile 2020 beta").click()
    expect(alice.get_by_role("heading", level=1)).to_contain_text("profile 2020 beta")
    alice.get_by_role("button", name="Start this library's profile").click()
    expect(alice.get_by_role("main")).to_contain_text("Status: draft")
    alice.get_by_role("link", name="Fill in the answers").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text(
        "F01 Legal deposit and the national collection"
    )

    # --- A year out of range is refused with a message at that item; nothing typed is lost. ---
    item(alice, "F01.1").get_by_label("Answer").select_option(label="the national library")
    item(alice, "F01.2").get_by_label("Answer").fill("1300")
    material = item(alice, "F01.3")
    material.get_by_label("books", exact=True).check()
    material.get_by_label("websites", exact=True).check()
    alice.get_by_role("button", name="Save and go to the next area").click()
    expect(alice.get_by_role("alert").first).to_contain_text("Nothing of this area was saved")
    expect(item(alice, "F01.2")).to_contain_text("F01.2: The year must be between 1400")
    expect(item(alice, "F01.1").get_by_label("Answer")).to_have_value("nl")
    expect(material.get_by_label("websites", exact=True)).to_be_checked()
    assert Profile.objects.get(library=library).answered == 0

    # --- Corrected, the area saves and the next area opens; the progress counts it. ---
    item(alice, "F01.2").get_by_label("Answer").fill("1537")
    alice.get_by_role("button", name="Save and go to the next area").click()
    expect(alice.get_by_role("status")).to_contain_text("were saved")
    expect(alice.get_by_role("heading", level=1)).to_have_text("F02 National bibliographic control")
    progress = alice.get_by_role("navigation", name="Areas of the profile")
    expect(progress.get_by_role("listitem").first).to_contain_text("3/10")

    # --- Back on the profile: her answers, then she submits it for review. ---
    alice.get_by_role("link", name=re.compile("profile 2020 beta")).click()
    expect(alice.get_by_role("main")).to_contain_text("the national library")
    expect(alice.get_by_role("main")).to_contain_text("books, websites")
    alice.get_by_role("button", name="Submit for review").click()
    expect(alice.get_by_role("status")).to_contain_text("submitted for review")
    expect(alice.get_by_role("main")).to_contain_text("Status: submitted for review")
    # While it waits for review, visitors do not see it.
    visitor = new_context().new_page()
    visitor.goto(f"{base}/en/libraries/{library.slug}/profile/2020/")
    expect(visitor.get_by_role("main")).to_contain_text("no published profile")

    # --- A moderator publishes it from the review queue. ---
    moderator_context = new_context()
    sign_in(moderator_context, live_server, personas["moderator"])
    moderator = moderator_context.new_page()
    moderator.goto(f"{base}/en/functions/review/")
    moderator.get_by_role("link", name=re.compile(re.escape(library.name))).click()
    moderator.get_by_label("Comment to the contributors").fill("Thank you, clear answers.")
    moderator.get_by_role("button", name="Publish").click()
    expect(moderator.get_by_role("status")).to_contain_text("The profile is published.")

    # --- Everyone now sees the published profile, its history and the item's map. ---
    visitor.reload()
    expect(visitor.get_by_role("main")).to_contain_text("Status: published")
    expect(visitor.get_by_role("main")).to_contain_text("1537")
    # The public history starts at the publication; the draft work stays with its editors.
    visitor.get_by_role("link", name="History").click()
    expect(visitor.get_by_role("main")).to_contain_text("Reason: Published")
    expect(visitor.get_by_role("main")).not_to_contain_text("F01.2 answer")
    alice.goto(f"{base}/en/libraries/{library.slug}/profile/2020/history/")
    expect(alice.get_by_role("main")).to_contain_text("F01.2 answer")
    visitor.goto(f"{base}/en/functions/F01.1/")
    table = visitor.get_by_role("table", name=re.compile("Answers to F01.1"))
    expect(table.get_by_role("row").filter(has_text="France")).to_contain_text(
        "the national library"
    )


def test_visitor_compares_libraries_and_filters_to_differences(
    live_server, personas, registry, beta_round, page
):
    publish(registry["A"], beta_round, {"F01.1": {"value": "nl"}, "F01.2": {"value": "1537"}})
    publish(registry["B"], beta_round, {"F01.1": {"value": "nl"}, "F01.2": {"value": "1989"}})
    base = live_server.url
    page.goto(f"{base}/en/compare/")
    page.get_by_label("Library addresses, separated by commas").fill(registry["A"].slug)
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least two libraries")

    slugs = f"{registry['A'].slug},{registry['B'].slug}"
    page.get_by_label("Library addresses, separated by commas").fill(slugs)
    page.get_by_role("button", name="Compare").click()
    table = page.get_by_role("table").first
    expect(table.get_by_role("columnheader", name=registry["B"].name)).to_be_visible()
    same = table.get_by_role("row").filter(has_text="F01.1 Legal deposit of printed")
    expect(same).to_contain_text("the national library")
    differing = table.get_by_role("row").filter(has_text="F01.2")
    expect(differing).to_contain_text("answers differ")
    expect(differing).to_contain_text("1537")

    page.get_by_label("Only where they differ").check()
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"differ=1"))
    expect(page.get_by_role("row").filter(has_text="F01.1 Legal deposit")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="F01.2")).to_have_count(1)
    download = page.get_by_role("link", name="CSV")
    expect(download).to_have_attribute("href", re.compile(r"/compare/export\.csv\?"))


def test_function_pages_have_no_axe_violations(
    live_server, personas, registry, beta_round, new_context, axe
):
    publish(registry["A"], beta_round, {"F01.1": {"value": "nl"}, "F01.3": {"value": "books"}})
    publish(registry["B"], beta_round, {"F01.1": {"value": "shared"}, "F04.6": {"value": "900"}})
    publish(registry["C"], beta_round, {"F01.1": {"value": "unknown"}})
    slug = registry["A"].slug
    addresses = [
        "/en/functions/",
        "/en/functions/F01.1/",
        "/en/functions/F01.3/?option=books",
        "/en/functions/F04.6/",
        f"/en/compare/?libraries={slug},{registry['B'].slug}",
        "/en/positions/",
        "/en/legal-deposit/",
        "/en/participation/",
        f"/en/libraries/{slug}/profile/2020/",
        f"/en/libraries/{slug}/profile/2020/history/",
    ]
    context = new_context(bypass_csp=True)
    sign_in(context, live_server, personas["alice"])
    addresses.append(f"/en/libraries/{slug}/profile/2020/edit/F01/")
    check_pages(context.new_page(), live_server.url, addresses, axe)

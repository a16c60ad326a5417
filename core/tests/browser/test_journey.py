"""The newcomer's story, end to end in a real browser.

A librarian signs up, confirms the address from the e-mail, asks to contribute for library A;
a moderator approves; the new contributor edits the library with a reason; the change shows in
the library's history and the site-wide changes; the moderator reverts it from the history.

Locators are the accessible ones (roles, names, labels), so the test also checks that every
control it uses has a name a screen reader would announce.
"""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD

pytestmark = pytest.mark.browser

NEWCOMER = "newcomer@example.org"
NEWCOMER_PASSWORD = "Quiet reading room at dawn 1368"
CONFIRM_LINK = re.compile(r"https?://\S+/confirm-email/\S+/")


def field_row(page, label: str):
    """The row of the library's facts table whose header is `label`."""
    return (
        page.get_by_role("table", name=re.compile("Facts about this library"))
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=label, exact=True))
    )


def test_newcomer_becomes_contributor_edits_and_moderator_reverts(
    live_server, personas, registry, smtp_server, new_context
):
    base = live_server.url
    library = registry["A"]
    library_name = library.name

    # --- A newcomer opens the site and signs up with e-mail and password. ---
    newcomer = new_context().new_page()
    newcomer.goto(f"{base}/en/")
    expect(newcomer.get_by_role("heading", level=1)).to_contain_text("NL Atlas")
    newcomer.get_by_role("navigation", name="Account").get_by_role("link", name="Sign up").click()
    expect(newcomer).to_have_url(f"{base}/en/accounts/signup/")
    newcomer.get_by_label("Email:", exact=True).fill(NEWCOMER)
    password = newcomer.get_by_label("Password:", exact=True)
    # The password rules are the field's description, so a screen reader announces them.
    expect(password).to_have_accessible_description(re.compile("at least 8 characters"))
    password.fill(NEWCOMER_PASSWORD)
    newcomer.get_by_label("Password (again):", exact=True).fill(NEWCOMER_PASSWORD)
    newcomer.get_by_role("main").get_by_role("button", name="Sign Up").click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(
        re.compile("Verify your email address", re.IGNORECASE)
    )

    # --- The confirmation e-mail arrived at the loopback SMTP server; open its link. ---
    [confirmation] = smtp_server.to(NEWCOMER)
    body = smtp_server.body(confirmation)
    match = CONFIRM_LINK.search(body)
    assert match, f"no confirmation link in the e-mail:\n{body}"
    newcomer.goto(match.group(0))
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(
        re.compile("Confirm email address", re.IGNORECASE)
    )
    newcomer.get_by_role("main").get_by_role("button", name="Confirm").click()
    # Confirming signs the newcomer in and lands on the profile page.
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Your profile")
    expect(newcomer.get_by_role("main")).to_contain_text(f"Signed in as {NEWCOMER}")

    # --- The newcomer opens library A's page and asks to contribute. ---
    newcomer.get_by_role("link", name="Libraries", exact=True).click()
    newcomer.get_by_role("link", name=library_name, exact=True).click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(library_name)
    newcomer.get_by_role("link", name="I work here: ask to contribute").click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(f"Contribute for {library_name}")
    newcomer.get_by_label("Your role at the library").fill(
        "I am a cataloguer in the legal deposit department; see the staff directory."
    )
    newcomer.get_by_role("button", name="Send request").click()
    expect(newcomer.get_by_role("status")).to_contain_text("Your request was sent")
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(library_name)
    expect(newcomer.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    [alert] = smtp_server.to(personas["moderator"].email)
    assert "asks to contribute for" in smtp_server.body(alert)

    # --- A moderator signs in through the real form, in a second browser, and approves. ---
    moderator = new_context().new_page()
    moderator.goto(f"{base}/en/accounts/login/")
    moderator.get_by_label("Email:", exact=True).fill(personas["moderator"].email)
    moderator.get_by_label("Password:", exact=True).fill(PASSWORD)
    moderator.get_by_role("main").get_by_role("button", name="Sign In").click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Your profile")
    moderator.get_by_role("link", name="Moderation").click()
    expect(moderator).to_have_url(f"{base}/en/accounts/moderation/")
    request = moderator.get_by_role("article").filter(has_text=NEWCOMER)
    expect(request).to_contain_text(library_name)
    expect(request).to_contain_text("cataloguer in the legal deposit department")
    request.get_by_label("Comment to the member").fill("Welcome aboard.")
    request.get_by_role("button", name="Approve").click()
    expect(moderator.get_by_role("status")).to_contain_text("can now contribute for")
    expect(moderator.get_by_role("article").filter(has_text=NEWCOMER)).to_have_count(0)

    # --- The newcomer is told by e-mail and on the profile page. ---
    news = [m for m in smtp_server.to(NEWCOMER) if m is not confirmation]
    assert len(news) == 1, [m["Subject"] for m in smtp_server.to(NEWCOMER)]
    assert f"You can now contribute for {library_name}" in smtp_server.body(news[0])
    assert "Welcome aboard." in smtp_server.body(news[0])
    newcomer.get_by_role("navigation", name="Account").get_by_role("link", name="newcomer").click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Your profile")
    notification = newcomer.get_by_role("listitem").filter(
        has_text=f"You can now contribute for {library_name}"
    )
    expect(notification).to_contain_text("New:")
    expect(notification).to_contain_text("Welcome aboard.")
    libraries = newcomer.get_by_role("region", name="Your libraries")
    mine = libraries.get_by_role("listitem").filter(
        has=newcomer.get_by_role("link", name=library_name, exact=True)
    )
    expect(mine).to_contain_text("approved")

    # --- Now a contributor, the newcomer edits library A's city, with a reason. ---
    reason = "The reading rooms moved to the François-Mitterrand site"
    newcomer.get_by_role("link", name="Libraries", exact=True).click()
    newcomer.get_by_role("link", name=library_name, exact=True).click()
    newcomer.get_by_role("link", name="Edit", exact=True).click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(f"Edit {library_name}")
    expect(newcomer.get_by_label("City")).to_have_value("Paris")
    newcomer.get_by_label("City").fill("Paris 13e")
    newcomer.get_by_label("Reason for change").fill(reason)
    newcomer.get_by_role("button", name="Save").click()
    expect(newcomer.get_by_role("status")).to_contain_text("Your changes were saved.")
    expect(field_row(newcomer, "City")).to_contain_text("Paris 13e")

    # --- The change is in the library's history and in the site-wide changes, with its reason. ---
    newcomer.get_by_role("link", name="History", exact=True).click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(f"History of {library_name}")
    edit = newcomer.get_by_role("article").filter(has_text=reason)
    expect(edit).to_have_count(1)
    expect(edit).to_contain_text("updated")
    city = (
        edit.get_by_role("table", name="What changed")
        .get_by_role("row")
        .filter(has=newcomer.get_by_role("rowheader", name=re.compile("^city$", re.IGNORECASE)))
    )
    expect(city.get_by_role("cell")).to_have_text(["Paris", "Paris 13e"])
    edit_number = edit.get_by_role("heading").get_by_role("link").inner_text()  # "#123"
    # A contributor sees no revert button: only moderators revert.
    expect(edit.get_by_role("button", name="Revert this change")).to_have_count(0)

    newcomer.get_by_role("link", name="Changes", exact=True).click()
    expect(newcomer).to_have_url(f"{base}/en/changes/")
    listed = newcomer.get_by_role("table", name="Changes, newest first").get_by_role("row")
    expect(listed.filter(has_text=reason)).to_have_count(1)
    expect(listed.filter(has_text=reason)).to_contain_text(library_name)
    expect(listed.filter(has_text=reason)).to_contain_text("newcomer@example.org")

    # --- The moderator reverts it from the library's history page. ---
    moderator.goto(f"{base}/en/libraries/{library.slug}/history/")
    edit = moderator.get_by_role("article").filter(has_text=reason)
    edit.get_by_label("Reason for reverting").fill("Only the reading rooms moved, not the seat")
    edit.get_by_role("button", name="Revert this change").click()
    expect(moderator.get_by_role("status")).to_contain_text("The change was reverted.")
    expect(moderator).to_have_url(f"{base}/en/libraries/{library.slug}/history/")
    revert = moderator.get_by_role("article").filter(has_text="Only the reading rooms moved")
    expect(revert).to_have_count(1)
    expect(revert).to_contain_text("reverted")
    expect(revert).to_contain_text(f"reverts change {edit_number}")
    expect(revert).to_contain_text("Moe Moderator")

    # --- The library shows the old value again, for everyone. ---
    moderator.get_by_role("link", name=library_name, exact=True).click()
    expect(field_row(moderator, "City")).not_to_contain_text("Paris 13e")
    expect(field_row(moderator, "City").get_by_role("cell")).to_contain_text(
        re.compile(r"^Paris\b")
    )
    newcomer.goto(f"{base}/en/libraries/{library.slug}/")
    expect(field_row(newcomer, "City")).not_to_contain_text("Paris 13e")

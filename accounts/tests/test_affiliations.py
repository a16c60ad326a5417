"""Asking to contribute for a library, the moderators' decisions, the profile page, the language
preference and API tokens, through the pages a person uses."""

import re
from email.header import decode_header, make_header
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.choices import AffiliationStatus
from accounts.models import Affiliation, Notification
from conftest import PASSWORD
from core.choices import ChangeAction
from core.services import history_of

PROFILE = "/en/accounts/profile/"
MODERATION = "/en/accounts/moderation/"
MESSAGE = "I am the head of digital collections; see the staff page on bnf.fr."


def contribute_url(library) -> str:
    return f"/en/accounts/contribute/{library.slug}/"


def decide_url(affiliation, decision: str) -> str:
    return f"/en/accounts/moderation/{affiliation.pk}/{decision}/"


def subject(mail) -> str:
    return " ".join(str(make_header(decode_header(mail["Subject"]))).split())


def edit_url(library) -> str:
    return f"/en/libraries/{library.slug}/edit/"


def text_of(response) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", content.replace("&#x27;", "'").replace("&quot;", '"'))


def edit_form_data(client: Client, library, **changes) -> dict:
    """What the edit form would send back: its current values, with `changes` typed in."""
    form = client.get(edit_url(library)).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    data.update(changes)
    return data


@pytest.fixture
def library(registry):
    return registry["A"]


@pytest.fixture
def member(personas, client_for):
    return client_for(personas["member"])


@pytest.fixture
def moderator(personas, client_for):
    return client_for(personas["moderator"])


@pytest.fixture
def pending(personas, member, library, django_capture_on_commit_callbacks):
    """The member's request to contribute for library A, sent through the form."""
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(contribute_url(library), {"message": MESSAGE})
    assert response.status_code == 302
    return Affiliation.objects.get(user=personas["member"], library=library)


# Asking to contribute


def test_the_library_page_offers_a_signed_in_member_to_ask_to_contribute(member, library):
    page = member.get(library.get_absolute_url())
    assert contribute_url(library) in page.content.decode()


def test_a_member_asks_to_contribute_and_is_told_the_request_was_sent(
    personas, member, library, smtp_server, django_capture_on_commit_callbacks
):
    form = member.get(contribute_url(library))
    assert form.status_code == 200
    assert library.name in text_of(form)
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(contribute_url(library), {"message": MESSAGE}, follow=True)
    assert response.redirect_chain[-1][0] == library.get_absolute_url()
    assert "Your request was sent to the moderators." in text_of(response)
    affiliation = Affiliation.objects.get(user=personas["member"], library=library)
    assert affiliation.status == AffiliationStatus.PENDING
    assert affiliation.message == MESSAGE
    profile = member.get(PROFILE)
    assert f"{library.name} — pending" in text_of(profile)


def test_an_empty_message_is_refused_with_an_error_on_the_message_field(personas, member, library):
    response = member.post(contribute_url(library), {"message": "   "})
    assert response.status_code == 200
    assert "message" in response.context["form"].errors
    content = response.content.decode()
    assert '<ul class="errorlist" id="id_message_error"><li>This field is required.' in content
    field = re.search(r"<textarea[^>]*>", content).group(0)
    assert 'name="message"' in field and "id_message_error" in field
    assert '<label for="id_message">Your role at the library' in content
    assert not Affiliation.objects.filter(user=personas["member"]).exists()


def test_a_second_request_while_one_is_pending_is_refused(personas, member, library, pending):
    response = member.post(contribute_url(library), {"message": "Again please"}, follow=True)
    assert "You already asked to contribute for this library." in text_of(response)
    assert Affiliation.objects.filter(user=personas["member"], library=library).count() == 1
    page = member.get(library.get_absolute_url())
    assert contribute_url(library) not in page.content.decode()


def test_asking_to_contribute_needs_a_signed_in_member(registry, client, library):
    response = client.post(contribute_url(library), {"message": MESSAGE})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/en/accounts/login/"
    assert not Affiliation.objects.exists()


def test_asking_for_an_unknown_library_answers_404(member):
    assert member.get("/en/accounts/contribute/no-such-library/").status_code == 404


def test_moderators_are_told_of_a_request_on_the_site_and_by_email(
    personas, member, moderator, library, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member.post(contribute_url(library), {"message": MESSAGE})
    expected = f"Mem Ber asks to contribute for {library.name}"
    for address in ("moderator@example.org", "admin@example.org"):
        [mail] = smtp_server.to(address)
        assert expected in subject(mail)
        assert "/en/accounts/moderation/" in smtp_server.body(mail)
    assert smtp_server.to("member@example.org") == []
    assert smtp_server.to("alice@example.org") == []
    page = moderator.get(PROFILE)
    assert expected in text_of(page)
    assert "New:" in text_of(page)
    assert "New:" not in text_of(moderator.get(PROFILE)), "seen notifications are marked read"


# The moderation queue


def test_the_moderation_queue_lists_pending_requests_for_moderators(
    personas, moderator, library, pending
):
    page = moderator.get(MODERATION)
    assert page.status_code == 200
    text = text_of(page)
    assert "1 pending request" in text
    assert "member@example.org" in text and library.name in text
    assert MESSAGE in text


@pytest.mark.parametrize("persona", ["member", "alice"])
def test_the_moderation_queue_is_forbidden_to_members_and_contributors(
    personas, client_for, persona
):
    response = client_for(personas[persona]).get(MODERATION)
    assert response.status_code == 403
    assert "Only moderators can see requests to contribute." in text_of(response)


def test_the_moderation_queue_sends_visitors_to_sign_in(registry, client):
    response = client.get(MODERATION)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/en/accounts/login/"


def test_a_contributor_cannot_approve_a_request(personas, client_for, pending):
    response = client_for(personas["alice"]).post(decide_url(pending, "approve"))
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == AffiliationStatus.PENDING


# Decisions


def test_an_approved_member_is_told_and_can_edit_that_library_and_only_that_one(
    personas,
    member,
    moderator,
    registry,
    library,
    pending,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    assert member.get(edit_url(library)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator.post(decide_url(pending, "approve"), {"comment": "Welcome!"})
    assert urlsplit(response["Location"]).path == MODERATION
    [mail] = smtp_server.to("member@example.org")
    assert f"You can now contribute for {library.name}." in subject(mail)
    assert "Welcome!" in smtp_server.body(mail)
    profile = text_of(member.get(PROFILE))
    assert f"You can now contribute for {library.name}." in profile
    assert f"{library.name} — approved" in profile

    assert member.get(edit_url(library)).status_code == 200
    saved = member.post(
        edit_url(library), edit_form_data(member, library, city="Paris 13e", reason="new site")
    )
    assert saved.status_code == 302
    library.refresh_from_db()
    assert library.city == "Paris 13e"
    other = registry["B"]
    assert member.get(edit_url(other)).status_code == 403
    assert member.get(other.get_absolute_url()).content.decode().count(edit_url(other)) == 0


def test_a_moderator_sees_the_decision_in_recent_decisions(moderator, library, pending):
    moderator.post(decide_url(pending, "approve"), {"comment": ""})
    page = moderator.get(MODERATION)
    text = text_of(page)
    assert "0 pending requests" in text
    assert "Mem Ber" in text and "approved" in text
    assert decide_url(pending, "revoke") in page.content.decode()


def test_a_request_cannot_be_decided_twice(personas, moderator, library, pending):
    moderator.post(decide_url(pending, "approve"))
    response = moderator.post(decide_url(pending, "reject"), {"comment": "changed my mind"})
    assert "This request has already been decided." in text_of(moderator.get(MODERATION))
    assert urlsplit(response["Location"]).path == MODERATION
    pending.refresh_from_db()
    assert pending.status == AffiliationStatus.APPROVED


def test_rejecting_without_a_comment_is_refused(
    moderator, member, library, pending, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator.post(decide_url(pending, "reject"), {"comment": " "}, follow=True)
    assert "Tell the member why the request is rejected." in text_of(response)
    pending.refresh_from_db()
    assert pending.status == AffiliationStatus.PENDING
    assert smtp_server.to("member@example.org") == []


def test_a_rejected_member_is_told_why_and_still_cannot_edit(
    moderator, member, library, pending, smtp_server, django_capture_on_commit_callbacks
):
    comment = "We could not find you on the staff page."
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(decide_url(pending, "reject"), {"comment": comment})
    pending.refresh_from_db()
    assert pending.status == AffiliationStatus.REJECTED
    [mail] = smtp_server.to("member@example.org")
    assert "was not accepted" in subject(mail)
    assert comment in smtp_server.body(mail)
    profile = text_of(member.get(PROFILE))
    assert f"{library.name} — rejected: {comment}" in profile
    assert member.get(edit_url(library)).status_code == 403


def test_a_rejected_member_may_ask_again(personas, moderator, member, library, pending):
    moderator.post(decide_url(pending, "reject"), {"comment": "Not enough detail."})
    response = member.post(contribute_url(library), {"message": MESSAGE + " More detail."})
    assert response.status_code == 302
    statuses = set(
        Affiliation.objects.filter(user=personas["member"]).values_list("status", flat=True)
    )
    assert statuses == {AffiliationStatus.REJECTED, AffiliationStatus.PENDING}


def test_revoking_an_affiliation_removes_the_right_to_edit(
    moderator, member, library, pending, smtp_server, django_capture_on_commit_callbacks
):
    moderator.post(decide_url(pending, "approve"))
    assert member.get(edit_url(library)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(decide_url(pending, "revoke"), {"comment": "Left the library."})
    assert member.get(edit_url(library)).status_code == 403
    pending.refresh_from_db()
    assert pending.status == AffiliationStatus.REVOKED
    mails = [subject(m) for m in smtp_server.to("member@example.org")]
    assert any(f"You can no longer contribute for {library.name}." in s for s in mails)


def test_a_contributor_keeps_editing_until_revoked_by_the_moderator_page(
    personas, moderator, client_for, registry
):
    alice = client_for(personas["alice"])
    library = registry["A"]
    assert alice.get(edit_url(library)).status_code == 200
    affiliation = Affiliation.objects.get(user=personas["alice"], library=library)
    moderator.post(decide_url(affiliation, "revoke"), {"comment": ""})
    assert alice.get(edit_url(library)).status_code == 403


def test_each_decision_is_in_the_change_log_with_the_library_as_related_object(
    personas, moderator, library, pending
):
    moderator.post(decide_url(pending, "approve"), {"comment": "ok"})
    moderator.post(decide_url(pending, "revoke"), {"comment": "left"})
    changes = list(
        history_of(library).filter(content_type__model="affiliation").order_by("created_at", "id")
    )
    assert [c.after["status"] for c in changes] == ["pending", "approved", "revoked"]
    assert [c.action for c in changes] == [
        ChangeAction.CREATE,
        ChangeAction.UPDATE,
        ChangeAction.UPDATE,
    ]
    member, moderator_user = personas["member"], personas["moderator"]
    assert [c.user for c in changes] == [member, moderator_user, moderator_user]
    assert changes[1].before == {"status": "pending"}
    assert changes[2].reason == "left"
    history = text_of(moderator.get(f"/en/libraries/{library.slug}/history/"))
    assert "Moe Moderator" in history


def test_a_rejection_is_in_the_change_log_with_its_comment(personas, moderator, library, pending):
    moderator.post(decide_url(pending, "reject"), {"comment": "Unknown at the library."})
    change = history_of(library).filter(content_type__model="affiliation").first()
    assert change.after["status"] == "rejected"
    assert change.reason == "Unknown at the library."
    assert change.user == personas["moderator"]


# The profile page and the language preference


def test_the_profile_page_saves_the_display_name(personas, member):
    response = member.post(
        PROFILE, {"display_name": "  Marie Member  ", "preferred_language": ""}, follow=True
    )
    assert response.redirect_chain[-1][0] == PROFILE
    assert "Your profile was saved." in text_of(response)
    personas["member"].refresh_from_db()
    assert personas["member"].display_name == "Marie Member"
    assert 'value="Marie Member"' in response.content.decode()


def test_choosing_french_opens_the_french_profile_and_later_pages_in_french(personas, member):
    response = member.post(PROFILE, {"display_name": "Mem Ber", "preferred_language": "fr"})
    assert response.status_code == 302
    assert response["Location"] == "/fr/accounts/profile/"
    personas["member"].refresh_from_db()
    assert personas["member"].preferred_language == "fr"
    page = member.get(response["Location"])
    assert page.status_code == 200
    assert '<html lang="fr"' in page.content.decode()
    later = member.get("/libraries/")
    assert later.status_code == 302
    assert later["Location"] == "/fr/libraries/"


def test_an_unknown_language_is_refused_on_the_profile_page(personas, member):
    response = member.post(PROFILE, {"display_name": "Mem Ber", "preferred_language": "xx"})
    assert response.status_code == 200
    assert "preferred_language" in response.context["form"].errors
    personas["member"].refresh_from_db()
    assert personas["member"].preferred_language == ""


def test_after_signing_in_from_another_browser_pages_open_in_the_preferred_language(
    personas, member
):
    member.post(PROFILE, {"display_name": "Mem Ber", "preferred_language": "fr"})
    browser = Client()
    signed_in = browser.post(
        "/en/accounts/login/", {"login": "member@example.org", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    later = browser.get("/libraries/")
    assert later["Location"] == "/fr/libraries/"


def test_the_language_switcher_stores_the_choice_for_a_signed_in_member(personas, member):
    response = member.post("/i18n/setlang/", {"language": "fr", "next": "/en/libraries/"})
    assert response.status_code == 302
    assert response["Location"] == "/fr/libraries/"
    personas["member"].refresh_from_db()
    assert personas["member"].preferred_language == "fr"
    assert member.get("/libraries/")["Location"] == "/fr/libraries/"


def test_the_language_switcher_works_for_visitors_without_an_account(registry, client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/en/libraries/"})
    assert response["Location"] == "/fr/libraries/"
    assert client.get("/libraries/")["Location"] == "/fr/libraries/"


# API tokens


def token_on(page) -> str | None:
    match = re.search(r"<code>([0-9a-f]{40})</code>", page.content.decode())
    return match.group(1) if match else None


def api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def test_a_member_creates_an_api_token_on_the_profile_page_and_reads_the_api_with_it(
    registry, member
):
    assert token_on(member.get(PROFILE)) is None
    response = member.post("/en/accounts/profile/token/", follow=True)
    assert "A new API token was created" in text_of(response)
    key = token_on(response)
    assert key
    listing = api(key).get("/api/v1/libraries/")
    assert listing.status_code == 200
    assert registry["A"].slug in listing.content.decode()


def test_a_member_without_rights_cannot_patch_a_library_with_the_token(personas, member, library):
    key = token_on(member.post("/en/accounts/profile/token/", follow=True))
    url = f"/api/v1/libraries/{library.slug}/"
    etag = api(key).get(url)["ETag"]
    response = api(key).patch(
        url,
        {"city": "Lyon", "reason": "test"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 403
    library.refresh_from_db()
    assert library.city == "Paris"


def test_a_contributor_patches_the_own_library_with_the_token(personas, client_for, library):
    alice = client_for(personas["alice"])
    key = token_on(alice.post("/en/accounts/profile/token/", follow=True))
    url = f"/api/v1/libraries/{library.slug}/"
    etag = api(key).get(url)["ETag"]
    response = api(key).patch(
        url,
        {"city": "Paris 13e", "reason": "new site"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200
    library.refresh_from_db()
    assert library.city == "Paris 13e"
    assert history_of(library).first().user == personas["alice"]


def test_replacing_the_token_makes_the_old_one_stop_working(member):
    old = token_on(member.post("/en/accounts/profile/token/", follow=True))
    new = token_on(member.post("/en/accounts/profile/token/", follow=True))
    assert old and new and old != new
    assert api(old).get("/api/v1/libraries/").status_code == 401
    assert api(new).get("/api/v1/libraries/").status_code == 200


def test_deleting_the_token_makes_it_stop_working(member):
    key = token_on(member.post("/en/accounts/profile/token/", follow=True))
    response = member.post("/en/accounts/profile/token/delete/", follow=True)
    assert "Your API token was deleted." in text_of(response)
    assert token_on(response) is None
    assert api(key).get("/api/v1/libraries/").status_code == 401


def test_token_pages_accept_only_post(member):
    assert member.get("/en/accounts/profile/token/").status_code == 405
    assert token_on(member.get(PROFILE)) is None


def test_notifications_are_listed_for_their_owner_only(personas, client_for, pending):
    assert Notification.objects.filter(user=personas["moderator"]).exists()
    text = text_of(client_for(personas["bob"]).get(PROFILE))
    assert "asks to contribute" not in text


def test_going_back_to_the_browsers_language_stops_opening_pages_in_french(personas, member):
    member.post(PROFILE, {"display_name": "Mem Ber", "preferred_language": "fr"})
    assert member.get("/libraries/", HTTP_ACCEPT_LANGUAGE="en")["Location"] == "/fr/libraries/"
    member.post("/fr/accounts/profile/", {"display_name": "Mem Ber", "preferred_language": ""})
    personas["member"].refresh_from_db()
    assert personas["member"].preferred_language == ""
    later = member.get("/libraries/", HTTP_ACCEPT_LANGUAGE="en")
    assert later["Location"] == "/en/libraries/"


def test_a_revoke_sent_twice_at_the_same_time_is_recorded_and_announced_once(
    personas, registry, smtp_server, django_capture_on_commit_callbacks
):
    """Two moderators press "Revoke" on the same page: the second finds it already revoked."""
    from django.core.exceptions import ValidationError

    from accounts import services

    first_view = Affiliation.objects.get(user=personas["alice"])
    second_view = Affiliation.objects.get(user=personas["alice"])
    services.revoke_affiliation(first_view, by=personas["moderator"], comment="left")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.revoke_affiliation(second_view, by=personas["admin"], comment="left too")
    revokes = history_of(registry["A"]).filter(content_type__model="affiliation")
    assert [c.user for c in revokes] == [personas["moderator"]]
    assert Notification.objects.filter(user=personas["alice"]).count() == 1


def test_a_request_is_saved_even_when_the_mail_server_is_down(
    personas, member, moderator, library, settings, django_capture_on_commit_callbacks
):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(contribute_url(library), {"message": MESSAGE})
    assert response.status_code == 302
    assert Affiliation.objects.filter(user=personas["member"], status="pending").exists()
    assert "asks to contribute" in text_of(moderator.get(PROFILE))

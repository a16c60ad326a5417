"""Signing up, confirming, signing in and out, password reset, rate limits and TOTP, through the
real allauth forms, with the e-mail delivered to a loopback SMTP server."""

import base64
import hashlib
import hmac
import html
import re
import struct
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from conftest import PASSWORD, make_user

SIGNUP = "/en/accounts/signup/"
LOGIN = "/en/accounts/login/"
LOGOUT = "/en/accounts/logout/"
PROFILE = "/en/accounts/profile/"
NEW_PASSWORD = "another long passphrase 1789"


def link_in(body: str, fragment: str) -> str:
    """The path of the first link in an e-mail body that contains `fragment`."""
    urls = [u for u in re.findall(r"https?://\S+", body) if fragment in u]
    assert urls, f"no link containing {fragment!r} in:\n{body}"
    return urlsplit(urls[0]).path


def sign_in(client: Client, email: str, password: str):
    return client.post(LOGIN, {"login": email, "password": password})


def is_signed_in(client: Client) -> bool:
    return client.get(PROFILE).status_code == 200


def sign_up(client: Client, email: str, password: str = PASSWORD):
    return client.post(SIGNUP, {"email": email, "password1": password, "password2": password})


def fresh_totp(secret: str) -> str:
    """The current code, waiting for the next step when this one is about to end."""
    if time.time() % 30 > 28:
        time.sleep(30 - time.time() % 30 + 0.1)
    return totp(secret)


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 time-based one-time password: HMAC-SHA1, 30-second steps, 6 digits."""
    counter = int((time.time() if at is None else at) // 30)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**6:06d}"


def test_the_totp_helper_matches_the_rfc_6238_test_vector():
    # RFC 6238 appendix B, SHA1, T = 59 s: 94287082 (8 digits), so 287082 with 6 digits.
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(secret, at=59) == "287082"
    assert totp(secret, at=1111111109) == "081804"


# Sign-up and e-mail confirmation


def test_signing_up_sends_a_confirmation_email_to_the_new_address(db, client, smtp_server):
    response = sign_up(client, "newcomer@example.org")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/en/accounts/confirm-email/"
    [message] = smtp_server.to("newcomer@example.org")
    assert message["Subject"].startswith("[NL Atlas]")
    assert "/en/accounts/confirm-email/" in smtp_server.body(message)
    assert not is_signed_in(client)


def test_signing_up_twice_with_the_same_address_does_not_create_a_second_account(
    db, client, smtp_server
):
    from accounts.models import User

    sign_up(client, "newcomer@example.org")
    sign_up(Client(), "Newcomer@Example.org")
    assert User.objects.filter(email__iexact="newcomer@example.org").count() == 1


def test_a_signup_with_mismatched_passwords_is_refused_with_a_message(db, client, smtp_server):
    response = client.post(
        SIGNUP,
        {"email": "newcomer@example.org", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert "password" in response.context["form"].errors.as_text().lower()
    assert smtp_server.to("newcomer@example.org") == []


def test_before_confirming_the_address_signing_in_asks_to_verify_and_gives_no_access(
    db, client, smtp_server
):
    sign_up(client, "newcomer@example.org")
    client.post(LOGOUT)
    other = Client()
    response = sign_in(other, "newcomer@example.org", PASSWORD)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/en/accounts/confirm-email/"
    page = other.get(response["Location"])
    assert "verif" in page.content.decode().lower()
    assert not is_signed_in(other)


def test_following_the_link_from_the_email_confirms_the_address_and_signs_in(
    db, client, smtp_server
):
    from allauth.account.models import EmailAddress

    sign_up(client, "newcomer@example.org")
    [message] = smtp_server.to("newcomer@example.org")
    link = link_in(smtp_server.body(message), "/confirm-email/")
    page = client.get(link)
    assert page.status_code == 200
    assert "newcomer@example.org" in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="newcomer@example.org").verified
    profile = client.get(PROFILE)
    assert profile.status_code == 200
    assert "newcomer@example.org" in profile.content.decode()


def test_a_confirmed_member_signs_in_from_another_browser_with_the_password(
    db, client, smtp_server
):
    sign_up(client, "newcomer@example.org")
    client.post(link_in(smtp_server.body(smtp_server.to("newcomer@example.org")[0]), "/confirm"))
    other = Client()
    response = sign_in(other, "newcomer@example.org", PASSWORD)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == PROFILE
    assert is_signed_in(other)


def test_a_forged_confirmation_link_confirms_nothing(db, client, smtp_server):
    from allauth.account.models import EmailAddress

    sign_up(client, "newcomer@example.org")
    page = client.get("/en/accounts/confirm-email/not-a-real-key/")
    assert "This email confirmation link expired or is invalid." in page.content.decode()
    assert client.post("/en/accounts/confirm-email/not-a-real-key/").status_code == 404
    assert not EmailAddress.objects.get(email="newcomer@example.org").verified
    assert not is_signed_in(client)


# Sign-in, sign-out, password reset


def test_a_wrong_password_is_refused_with_a_message(db, client):
    make_user("member@example.org")
    response = sign_in(client, "member@example.org", "not the password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not is_signed_in(client)


def test_signing_out_ends_the_session(db, client):
    make_user("member@example.org")
    sign_in(client, "member@example.org", PASSWORD)
    assert is_signed_in(client)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert not is_signed_in(client)
    assert urlsplit(client.get(PROFILE)["Location"]).path == LOGIN


def test_a_password_reset_email_lets_the_member_set_a_new_password_and_sign_in_with_it(
    db, client, smtp_server
):
    make_user("member@example.org")
    response = client.post("/en/accounts/password/reset/", {"email": "member@example.org"})
    assert response.status_code == 302
    [message] = smtp_server.to("member@example.org")
    link = link_in(smtp_server.body(message), "/password/reset/key/")
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    assert set_password_url.endswith("-set-password/"), "the key is taken out of the address"
    assert 'name="password1"' in form_page.content.decode()
    done = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302

    fresh = Client()
    assert sign_in(fresh, "member@example.org", PASSWORD).status_code == 200  # old one refused
    assert not is_signed_in(fresh)
    assert sign_in(fresh, "member@example.org", NEW_PASSWORD).status_code == 302
    assert is_signed_in(fresh)


def test_a_password_reset_link_works_only_once(db, client, smtp_server):
    make_user("member@example.org")
    client.post("/en/accounts/password/reset/", {"email": "member@example.org"})
    link = link_in(smtp_server.body(smtp_server.to("member@example.org")[0]), "/reset/key/")
    page = client.get(link, follow=True)
    client.post(page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = Client()
    page = again.get(link, follow=True)
    assert "invalid" in page.content.decode().lower()
    target = page.redirect_chain[-1][0] if page.redirect_chain else link
    third = "yet another passphrase 2024"
    again.post(target, {"password1": third, "password2": third})
    assert sign_in(Client(), "member@example.org", third).status_code == 200
    assert sign_in(Client(), "member@example.org", NEW_PASSWORD).status_code == 302


def test_a_password_reset_for_an_unknown_address_reveals_nothing_on_the_page(
    db, client, smtp_server
):
    make_user("member@example.org")
    known = client.post("/en/accounts/password/reset/", {"email": "member@example.org"})
    unknown = Client().post("/en/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert urlsplit(known["Location"]).path == urlsplit(unknown["Location"]).path
    assert smtp_server.to("member@example.org")


# Rate limiting


def failed_login_limit_per_address() -> int:
    rules = settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")
    [per_key] = [rule for rule in rules if rule.endswith("/key")]
    return int(per_key.split("/")[0])


def test_after_too_many_failed_sign_ins_even_the_right_password_is_refused(db):
    make_user("member@example.org")
    limit = failed_login_limit_per_address()
    for attempt in range(limit):
        response = sign_in(Client(), "member@example.org", f"wrong guess {attempt}")
        assert response.status_code == 200, f"attempt {attempt + 1} should just fail"
    blocked = Client()
    response = sign_in(blocked, "member@example.org", PASSWORD)
    assert response.status_code == 429 or "too many" in response.content.decode().lower()
    assert not is_signed_in(blocked)


def test_failed_sign_ins_for_one_address_do_not_lock_out_another(db):
    make_user("member@example.org")
    make_user("other@example.org")
    for attempt in range(failed_login_limit_per_address()):
        sign_in(Client(), "member@example.org", f"wrong guess {attempt}")
    other = Client()
    assert sign_in(other, "other@example.org", PASSWORD).status_code == 302
    assert is_signed_in(other)


def test_fewer_failed_sign_ins_than_the_limit_do_not_block_the_right_password(db):
    make_user("member@example.org")
    for attempt in range(failed_login_limit_per_address() - 1):
        sign_in(Client(), "member@example.org", f"wrong guess {attempt}")
    client = Client()
    assert sign_in(client, "member@example.org", PASSWORD).status_code == 302
    assert is_signed_in(client)


# Two-factor authentication (TOTP)


def secret_on(page) -> str:
    content = page.content.decode()
    match = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7=]+)"', content) or re.search(
        r'value="([A-Z2-7=]{16,})"[^>]*id="authenticator_secret"', content
    )
    assert match, "the activation page shows the secret"
    return html.unescape(match.group(1))


@pytest.fixture
def signed_in_member(db):
    make_user("member@example.org")
    client = Client()
    assert sign_in(client, "member@example.org", PASSWORD).status_code == 302
    return client


def open_activation_page(client: Client):
    """allauth asks for the password again before a security change; give it."""
    page = client.get("/en/accounts/2fa/totp/activate/")
    assert page.status_code == 302
    reauthenticate = page["Location"]
    assert urlsplit(reauthenticate).path == "/en/accounts/reauthenticate/"
    confirmed = client.post(reauthenticate, {"password": PASSWORD})
    assert confirmed.status_code == 302
    assert urlsplit(confirmed["Location"]).path == "/en/accounts/2fa/totp/activate/"
    page = client.get("/en/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    return page


def activate_totp(client: Client) -> str:
    page = open_activation_page(client)
    secret = secret_on(page)
    response = client.post("/en/accounts/2fa/totp/activate/", {"code": fresh_totp(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


def test_a_signed_in_member_can_open_the_two_factor_pages(signed_in_member):
    index = signed_in_member.get("/en/accounts/2fa/")
    assert index.status_code == 200
    assert "/en/accounts/2fa/totp/activate/" in index.content.decode()
    activate = open_activation_page(signed_in_member)
    assert secret_on(activate)
    assert 'src="data:image/svg+xml' in activate.content.decode(), "a QR code to scan"


def test_activating_totp_asks_for_the_password_again_and_a_wrong_one_is_refused(
    signed_in_member,
):
    page = signed_in_member.get("/en/accounts/2fa/totp/activate/")
    refused = signed_in_member.post(page["Location"], {"password": "not the password"})
    assert refused.status_code == 200
    assert refused.context["form"].errors
    again = signed_in_member.get("/en/accounts/2fa/totp/activate/")
    assert urlsplit(again["Location"]).path == "/en/accounts/reauthenticate/"


def test_the_two_factor_pages_are_for_signed_in_people_only(db, client):
    response = client.get("/en/accounts/2fa/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == LOGIN


def test_a_wrong_code_does_not_activate_totp(signed_in_member):
    from allauth.mfa.models import Authenticator

    page = open_activation_page(signed_in_member)
    code = totp(secret_on(page))
    wrong = f"{(int(code) + 500000) % 10**6:06d}"
    response = signed_in_member.post("/en/accounts/2fa/totp/activate/", {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Authenticator.objects.filter(type="totp").exists()


def test_after_activating_totp_signing_in_requires_the_code(signed_in_member):
    from allauth.mfa.models import Authenticator

    secret = activate_totp(signed_in_member)
    assert Authenticator.objects.filter(user__email="member@example.org", type="totp").exists()
    index = signed_in_member.get("/en/accounts/2fa/").content.decode()
    assert "/en/accounts/2fa/totp/deactivate/" in index
    signed_in_member.post(LOGOUT)

    client = Client()
    response = sign_in(client, "member@example.org", PASSWORD)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/en/accounts/2fa/authenticate/"
    assert not is_signed_in(client), "the password alone must not be enough"

    wrong = f"{(int(totp(secret)) + 500000) % 10**6:06d}"
    refused = client.post("/en/accounts/2fa/authenticate/", {"code": wrong})
    assert refused.status_code == 200
    assert not is_signed_in(client)

    accepted = client.post("/en/accounts/2fa/authenticate/", {"code": fresh_totp(secret)})
    assert accepted.status_code == 302
    assert is_signed_in(client)


def test_a_totp_code_cannot_be_used_twice_to_sign_in(signed_in_member):
    secret = activate_totp(signed_in_member)
    signed_in_member.post(LOGOUT)
    code = fresh_totp(secret)
    first = Client()
    sign_in(first, "member@example.org", PASSWORD)
    assert first.post("/en/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    second = Client()
    sign_in(second, "member@example.org", PASSWORD)
    replay = second.post("/en/accounts/2fa/authenticate/", {"code": code})
    assert replay.status_code == 200
    assert not is_signed_in(second)

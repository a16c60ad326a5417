"""Shared test fixtures: the seed-like registry and the personas every test module uses.

Personas: admin, moderator, alice (contributor of library A), bob (contributor of library B),
member (signed up, no library), anonymous.
"""

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.utils import translation

from accounts.choices import AffiliationStatus, Role
from accounts.models import Affiliation, User
from core.actors import SEED
from libraries import services
from libraries.choices import RegionLevel
from libraries.models import Country, Region

PASSWORD = "correct horse battery staple 42"  # noqa: S105 - test accounts only


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # rate limits and cached pages must not leak between tests
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english():
    """Each test starts in English: a request to a French page leaves French active in the
    thread, and messages built outside a request would otherwise come out in French."""
    translation.activate("en")
    yield
    translation.deactivate()


def make_user(email: str, role: str = Role.MEMBER, **extra) -> User:
    if role == Role.ADMINISTRATOR:
        user = User.objects.create_superuser(email, PASSWORD, **extra)
    else:
        user = User.objects.create_user(email, PASSWORD, role=role, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_region_tree():
    europe = Region.objects.create(code="150", name="Europe", level=RegionLevel.REGION)
    west = Region.objects.create(
        code="155", name="Western Europe", level=RegionLevel.SUBREGION, parent=europe
    )
    north = Region.objects.create(
        code="154", name="Northern Europe", level=RegionLevel.SUBREGION, parent=europe
    )
    africa = Region.objects.create(code="002", name="Africa", level=RegionLevel.REGION)
    ssa = Region.objects.create(
        code="202", name="Sub-Saharan Africa", level=RegionLevel.SUBREGION, parent=africa
    )
    west_africa = Region.objects.create(
        code="011", name="Western Africa", level=RegionLevel.INTERMEDIATE, parent=ssa
    )
    Country.objects.create(
        iso2="FR", iso3="FRA", numeric="250", name="France", region=europe, subregion=west
    )
    Country.objects.create(
        iso2="NO", iso3="NOR", numeric="578", name="Norway", region=europe, subregion=north
    )
    Country.objects.create(
        iso2="SN",
        iso3="SEN",
        numeric="686",
        name="Senegal",
        region=africa,
        subregion=ssa,
        intermediate_region=west_africa,
    )


def make_library(name: str, iso2: str, **extra):
    return services.create_library(
        {"name": name, "country_id": iso2, **extra}, user=SEED, reason="test data"
    )


@pytest.fixture
def registry(db):
    """Three countries, two organisations, three libraries (A in France, B in Norway, C)."""
    make_region_tree()
    cenl = services.create_organisation(
        {"code": "CENL", "name": "Conference of European National Librarians"}, user=SEED
    )
    cdnl = services.create_organisation(
        {"code": "CDNL", "name": "Conference of Directors of National Libraries"}, user=SEED
    )
    a = make_library(
        "Bibliothèque nationale de France",
        "FR",
        city="Paris",
        founded=1368,
        wikidata_qid="Q193563",
        website="https://www.bnf.fr",
        latitude=48.83,
        longitude=2.37,
        native_name="Bibliothèque nationale de France",
    )
    b = make_library(
        "National Library of Norway",
        "NO",
        city="Oslo",
        founded=1811,
        wikidata_qid="Q1515153",
        latitude=59.91,
        longitude=10.75,
        native_name="Nasjonalbiblioteket",
    )
    c = make_library("Bibliothèque nationale du Sénégal", "SN", city="Dakar")
    services.add_membership(a, cenl, user=SEED, status="confirmed")
    services.add_membership(b, cenl, user=SEED, status="inferred")
    services.add_membership(a, cdnl, user=SEED, status="confirmed")
    return {"A": a, "B": b, "C": c, "cenl": cenl, "cdnl": cdnl}


@pytest.fixture
def personas(registry):
    admin = make_user("admin@example.org", Role.ADMINISTRATOR, display_name="Ada Admin")
    moderator = make_user("moderator@example.org", Role.MODERATOR, display_name="Moe Moderator")
    alice = make_user("alice@example.org", display_name="Alice")
    bob = make_user("bob@example.org", display_name="Bob")
    member = make_user("member@example.org", display_name="Mem Ber")
    Affiliation.objects.create(
        user=alice, library=registry["A"], message="I work there", status=AffiliationStatus.APPROVED
    )
    Affiliation.objects.create(
        user=bob, library=registry["B"], message="I work there", status=AffiliationStatus.APPROVED
    )
    return {
        "admin": admin,
        "moderator": moderator,
        "alice": alice,
        "bob": bob,
        "member": member,
        "anonymous": None,
    }


@pytest.fixture
def client_for(client):
    """client_for(user) returns a test client signed in as that user (None: anonymous)."""
    from django.test import Client

    def make(user):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


class Mailbox:
    """Messages received by the loopback SMTP server, as email.message.Message objects."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        import email

        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    @staticmethod
    def body(message) -> str:
        if message.is_multipart():
            parts = [p for p in message.walk() if p.get_content_type() == "text/plain"]
            return parts[0].get_payload(decode=True).decode() if parts else ""
        return message.get_payload(decode=True).decode()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; the site sends its e-mail there during the test."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield mailbox
    finally:
        controller.stop()

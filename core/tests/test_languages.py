"""The seven IFLA languages: every one is offered, its pages render in it, Arabic right to left."""

import re

import pytest
from django.conf import settings
from django.utils import translation

CODES = [code for code, _name in settings.LANGUAGES]
PAGES = ["/", "/practices/", "/libraries/", "/functions/", "/changes/", "/accounts/login/"]
# A heading every practices list shows, in English: each other language must translate it.
HEADING = "Case studies and best practices"


def test_the_seven_ifla_languages_are_offered():
    assert sorted(CODES) == ["ar", "de", "en", "es", "fr", "ru", "zh-hans"]


@pytest.mark.parametrize("code", CODES)
def test_every_page_renders_in_each_language(client, registry, code):
    for page in PAGES:
        response = client.get(f"/{code}{page}")

        assert response.status_code == 200, page
        html = response.content.decode()
        assert f'<html lang="{code}" dir="{"rtl" if code == "ar" else "ltr"}">' in html, page


@pytest.mark.parametrize("code", [c for c in CODES if c != "en"])
def test_the_interface_is_translated_not_left_in_english(client, registry, code):
    with translation.override(code):
        heading = translation.gettext(HEADING)

    html = client.get(f"/{code}/practices/").content.decode()

    assert heading != HEADING
    assert f"<h1>{heading}</h1>" in html


def test_the_language_menu_names_each_language_in_itself(client, registry):
    html = client.get("/en/").content.decode()

    offered = set(re.findall(r'hreflang="([a-z-]+)"', html))
    assert offered >= set(CODES)
    for name in ("العربيّة", "简体中文", "Deutsch", "Русский", "español", "français"):
        assert name in html, name

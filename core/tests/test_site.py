"""Site-wide behaviour: health check, error pages, security headers, request ids, languages,
production settings, the demo administrator and the API documentation."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from accounts.choices import Role
from accounts.models import User
from core.models import Change

BASE_DIR = Path(settings.BASE_DIR)


def run_python(args: list[str], tmp_path, **env_overrides) -> subprocess.CompletedProcess:
    """Run Python in the project with a clean environment plus `env_overrides`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "NLATLAS_TESTING",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="nlatlas.settings",
        NLATLAS_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
    )
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# Health check


def test_the_health_check_answers_200_when_the_database_is_reachable(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


HEALTHZ_IN_A_FRESH_PROCESS = """
import django
django.setup()
from django.test import Client
response = Client().get("/healthz", HTTP_HOST="localhost")
print(response.status_code, response.content.decode())
"""


def test_the_health_check_answers_503_when_the_database_is_unreachable(tmp_path):
    result = run_python(
        ["-c", HEALTHZ_IN_A_FRESH_PROCESS],
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:1/x",
    )
    assert result.returncode == 0, result.stderr
    status, _, body = result.stdout.strip().splitlines()[-1].partition(" ")
    assert status == "503"
    assert json.loads(body) == {"status": "unavailable", "database": "unreachable"}


def test_the_health_check_in_a_fresh_process_answers_200_with_a_reachable_database(tmp_path):
    """The same probe as the 503 test, so that test fails for the right reason only."""
    result = run_python(["-c", HEALTHZ_IN_A_FRESH_PROCESS], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("200 ")


# Error pages


def test_an_unknown_page_answers_404_with_the_site_layout(db, client):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "<h1>Page not found</h1>" in content
    assert 'class="site-header"' in content and 'class="site-footer"' in content
    assert 'href="/en/libraries/"' in content, "a way back into the site"
    assert '<html lang="en"' in content


def test_an_unknown_library_answers_404_in_french_with_the_french_layout(registry, client):
    response = client.get("/fr/libraries/no-such-library/")
    assert response.status_code == 404
    content = response.content.decode()
    assert '<html lang="fr"' in content
    assert 'href="/fr/libraries/"' in content


def test_a_forbidden_edit_answers_403_with_the_reason_and_the_site_layout(personas, client_for):
    response = client_for(personas["member"]).get("/en/libraries/national-library-of-norway/edit/")
    assert response.status_code == 403
    content = response.content.decode()
    assert "<h1>Not allowed</h1>" in content
    assert "Only this library&#x27;s contributors and moderators can edit it." in content
    assert 'class="site-header"' in content


def test_a_contributor_of_another_library_gets_the_403_page_too(personas, client_for, registry):
    response = client_for(personas["alice"]).get(f"/en/libraries/{registry['B'].slug}/edit/")
    assert response.status_code == 403
    assert (
        client_for(personas["bob"]).get(f"/en/libraries/{registry['B'].slug}/edit/").status_code
        == 200
    )


# Security headers


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_carry_the_security_headers(registry, client):
    response = client.get("/en/")
    assert response.status_code == 200
    csp = csp_directives(response)
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src == ["'self'"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path", ["/en/", "/en/libraries/", "/en/libraries/map/", "/en/accounts/login/"]
)
def test_pages_have_no_inline_script_the_policy_would_block(registry, client, path):
    content = client.get(path).content.decode()
    scripts = re.findall(r"<script\b[^>]*>", content)
    assert scripts, "the page loads the site's script"
    assert all(" src=" in tag for tag in scripts), scripts
    assert not re.search(r"\son[a-z]+\s*=", content), "inline event handlers are blocked"
    assert not re.search(r'\sstyle="', content), "inline styles are blocked by style-src"


def test_error_pages_also_carry_the_security_headers(db, client):
    response = client.get("/en/no-such-page/")
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


# Request ids


def test_every_response_has_its_own_request_id(db, client):
    first = client.get("/healthz")["X-Request-Id"]
    second = client.get("/healthz")["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_the_request_id_is_recorded_in_a_change_made_during_that_request(
    personas, client_for, registry
):
    member = client_for(personas["member"])
    response = member.post(
        f"/en/accounts/contribute/{registry['A'].slug}/", {"message": "I work in the map room."}
    )
    assert response.status_code == 302
    request_id = response["X-Request-Id"]
    change = Change.objects.get(content_type__model="affiliation")
    assert change.request_id == request_id
    assert change.user == personas["member"]


def test_a_request_id_sent_by_the_proxy_is_kept_in_the_response_and_the_change(
    personas, client_for, registry
):
    member = client_for(personas["member"])
    response = member.post(
        f"/en/accounts/contribute/{registry['A'].slug}/",
        {"message": "I work in the map room."},
        HTTP_X_REQUEST_ID="proxy-7f3a9c",
    )
    assert response["X-Request-Id"] == "proxy-7f3a9c"
    assert Change.objects.get(content_type__model="affiliation").request_id == "proxy-7f3a9c"


def test_a_request_id_that_is_not_a_plain_token_is_replaced_by_a_fresh_one(db, client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-Id"])


# Languages


def test_the_root_address_redirects_to_english_by_default(db, client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_the_root_address_redirects_to_french_for_a_french_browser(db, client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/fr/"


def test_an_address_without_prefix_keeps_its_path_in_the_visitors_language(registry, client):
    response = client.get("/libraries/?country=FR", HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Location"] == "/fr/libraries/?country=FR"


def test_the_french_home_page_is_in_french(registry, client):
    response = client.get("/fr/")
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="fr"' in content
    assert response["Content-Language"] == "fr"
    assert 'href="/fr/libraries/"' in content


# Production settings


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_python(["manage.py", "check"], tmp_path, DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="nlatlas.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_development_key_fails_the_deployment_checks(tmp_path):
    """The check above would pass for the wrong reason if --deploy did not look at the key."""
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DEBUG="0",
        SECRET_KEY="short",
        ALLOWED_HOSTS="nlatlas.example.org",
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


# The demo administrator


def test_create_demo_admin_creates_one_verified_administrator_and_prints_the_password_once(
    db, settings, capsys
):
    from allauth.account.models import EmailAddress

    settings.DEBUG = True
    call_command("create_demo_admin")
    first = capsys.readouterr().out
    match = re.search(r"password:\s+(\S+)", first)
    assert match, first
    password = match.group(1)
    admin = User.objects.get(role=Role.ADMINISTRATOR)
    assert admin.email == settings.DEMO_ADMIN_EMAIL
    assert admin.is_superuser and admin.is_staff
    assert EmailAddress.objects.get(user=admin, email=admin.email).verified

    browser = Client()
    signed_in = browser.post(
        "/en/accounts/login/", {"login": settings.DEMO_ADMIN_EMAIL, "password": password}
    )
    assert signed_in.status_code == 302
    assert browser.get("/admin/").status_code == 200

    call_command("create_demo_admin")
    second = capsys.readouterr().out
    assert User.objects.filter(role=Role.ADMINISTRATOR).count() == 1
    assert password not in second
    assert "password:" not in second
    assert settings.DEMO_ADMIN_EMAIL in second


def test_create_demo_admin_creates_nothing_when_debug_is_off(db, settings, capsys):
    settings.DEBUG = False
    call_command("create_demo_admin")
    out = capsys.readouterr().out
    assert not User.objects.exists()
    assert "password:" not in out
    assert "createsuperuser" in out


# API documentation and schema


def test_the_api_docs_load_no_external_script_or_stylesheet(db, client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    content = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", content)
    styles = re.findall(r"<link\b[^>]*\bhref=\"([^\"]+)\"", content)
    assert scripts, "the docs page loads Swagger UI"
    for url in scripts + styles:
        assert not re.match(r"(https?:)?//", url), f"external resource {url}"
    assert "https://" not in content and "http://" not in content


def test_the_api_docs_initialiser_is_served_by_the_site_and_points_to_the_schema(db, client):
    content = client.get("/api/v1/docs/").content.decode()
    [initialiser] = [u for u in re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', content) if "?" in u]
    script = client.get(initialiser.replace("&amp;", "&"))
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assert "/api/v1/schema/" in script.content.decode()


def test_the_api_schema_is_an_openapi_document_listing_the_libraries(db, client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "NL Atlas API"
    assert "/api/v1/libraries/" in schema["paths"]
    assert "/api/v1/libraries/{slug}/" in schema["paths"]
    assert "patch" in schema["paths"]["/api/v1/libraries/{slug}/"]


def test_the_api_schema_is_served_as_yaml_by_default(db, client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert "openapi" in response["Content-Type"] or "yaml" in response["Content-Type"]
    assert response.content.decode().startswith("openapi: 3.")

"""The synthetic data generator used by the benchmarks."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import Change
from libraries import services
from libraries.models import Library


def generate(*args) -> str:
    out = io.StringIO()
    call_command("generate_scale_data", *args, "--skip-seed", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_an_unknown_size_is_refused_with_the_sizes_named(db):
    with pytest.raises(CommandError, match="Unknown size 'huge'.*small, large"):
        generate("--size", "huge")


def test_synthetic_data_is_refused_beside_real_contributions_unless_forced(personas, registry):
    services.update_library(
        registry["A"],
        {"city": "Paris 13e"},
        user=personas["alice"],
        reason="real edit",
        expected_version=1,
    )
    with pytest.raises(CommandError, match="1 changes made by people"):
        generate("--libraries", "5")
    assert not Library.objects.filter(is_synthetic=True).exists()
    generate("--libraries", "5", "--force")
    assert Library.objects.filter(is_synthetic=True).count() == 5


def test_generated_libraries_are_deterministic_marked_and_have_a_history(registry):
    generate("--libraries", "12", "--seed", "7")
    first = list(
        Library.objects.filter(is_synthetic=True).values_list("name", "country_id", "founded")
    )
    generate("--remove")
    generate("--libraries", "12", "--seed", "7")
    again = list(
        Library.objects.filter(is_synthetic=True).values_list("name", "country_id", "founded")
    )
    assert first == again and len(first) == 12
    assert all(name.startswith("Synthetic library") for name, _c, _f in first)
    library = Library.objects.filter(is_synthetic=True).first()
    assert Change.objects.filter(related_object_id=str(library.pk)).count() == 5


def test_running_again_adds_only_what_is_missing(registry):
    generate("--libraries", "4")
    output = generate("--libraries", "4")
    assert "4 synthetic libraries already present" in output
    assert Library.objects.filter(is_synthetic=True).count() == 4


def test_remove_deletes_synthetic_libraries_and_their_history_only(registry):
    generate("--libraries", "3")
    real_changes = Change.objects.exclude(user_name="synthetic data").count()
    generate("--remove")
    assert not Library.objects.filter(is_synthetic=True).exists()
    assert Library.objects.count() == 3
    assert Change.objects.count() == real_changes


def test_synthetic_libraries_are_labelled_on_the_pages_that_show_them(registry, client):
    generate("--libraries", "2")
    library = Library.objects.filter(is_synthetic=True).first()
    detail = client.get(library.get_absolute_url()).content.decode()
    assert "not a real library" in detail
    listing = client.get("/en/libraries/?q=synthetic").content.decode()
    assert 'class="badge badge-synthetic"' in listing
    assert "2 synthetic libraries generated for testing" in listing


def test_the_benchmark_refuses_a_port_already_in_use(db):
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with pytest.raises(CommandError, match=f"Port {port} is already in use"):
            call_command("bench", "--port", str(port), stdout=io.StringIO())

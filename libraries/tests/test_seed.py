"""The seed loader (`manage.py load_seed`): the real seed files, idempotence, and bad input.

Loading the real files takes a few seconds, so only two tests do it; every other test breaks
one row of a copy of the files in tmp_path and checks that nothing at all was loaded.
"""

from __future__ import annotations

import csv
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.choices import ChangeAction, FactStatus
from core.models import Change
from libraries.choices import MembershipRole, MembershipStatus
from libraries.models import Country, Library, Membership, Organisation, Region
from libraries.seed import SEED_DIR, SeedFileError, load_all, load_countries, load_population

SEED_FILES = ("m49.csv", "organisations.yaml", "national_libraries.csv")
LIBRARIES = "national_libraries.csv"


def load_seed(folder: Path = SEED_DIR, *options: str) -> str:
    out = StringIO()
    call_command("load_seed", "--dir", str(folder), *options, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "countries": Country.objects.count(),
        "organisations": Organisation.objects.count(),
        "libraries": Library.objects.count(),
        "memberships": Membership.objects.count(),
        "changes": Change.objects.count(),
    }


def library(qid: str) -> Library:
    return Library.objects.get(wikidata_qid=qid)


# The real seed ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_the_real_seed_fills_the_registry_with_sourced_facts():
    output = load_seed()

    assert "libraries: 184 created" in output
    assert Library.objects.count() == 184
    assert Country.objects.filter(libraries__isnull=False).distinct().count() == 179
    assert set(Organisation.objects.values_list("code", flat=True)) == {
        "ABINIA",
        "CDNL",
        "CDNL-AO",
        "CENL",
        "CONSAL",
        "IFLA",
    }
    kosovo = Country.objects.get(iso2="XK")
    assert kosovo.libraries.count() == 1
    assert kosovo.region.name == "Europe"

    # Memberships: 37 "CENL(inferred)" plus 2 "status unclear" rows are inferred, not confirmed.
    cenl = Membership.objects.filter(organisation__code="CENL")
    assert cenl.filter(status=MembershipStatus.INFERRED).count() == 39
    assert cenl.filter(status=MembershipStatus.CONFIRMED).count() == 12
    russian = cenl.filter(library__country_id="RU")
    assert russian.count() == 2
    assert {(m.status, m.note.split(":")[0]) for m in russian} == {
        (MembershipStatus.INFERRED, "status unclear")
    }
    assert Membership.objects.filter(role=MembershipRole.OBSERVER).count() == 1
    albania = library("Q678964")
    assert albania.memberships.get().status == MembershipStatus.INFERRED

    # Facts: "KN" (known, not cited) stays unverified; a cited source counts as verified.
    afghanistan = library("Q59286291")
    assert afghanistan.fact_status("city") == FactStatus.UNVERIFIED
    assert afghanistan.fact_status("name") == FactStatus.VERIFIED
    assert "Wikidata" in afghanistan.fact_source("name")
    assert afghanistan.fact_status("coordinates") == FactStatus.VERIFIED
    france = library("Q193563")
    assert france.fact_status("name") == FactStatus.UNVERIFIED  # "name: PG/KN"
    assert france.fact_status("founded") == FactStatus.VERIFIED
    assert "Charles V" in france.fact_source("founded")
    assert france.founded == 1368 and france.isil == "FR-751131015"
    assert {m.organisation.code for m in france.memberships.all()} == {"CDNL", "CENL"}

    # Every registry record's creation is in the change log, by the seed actor, with a reason
    # (the seeded case studies are also submitted and published: see practices' seed tests).
    registry = Change.objects.filter(content_type__app_label="libraries")
    created = registry.filter(action=ChangeAction.CREATE)
    assert created.count() == registry.count()
    assert set(created.values_list("user_name", "reason").distinct()) == {
        ("seed data", "Seed data")
    }
    assert created.filter(content_type__model="library").count() == 184


@pytest.mark.django_db
def test_loading_the_seed_again_creates_nothing_and_logs_nothing():
    load_seed()
    before = counts()
    last_change = Change.objects.order_by("-pk").first().pk

    output = load_seed()
    assert "libraries: 0 created, 0 updated, 184 already present" in output
    assert "organisations: 0 created" in output
    assert counts() == before

    output = load_seed(SEED_DIR, "--update")
    assert "libraries: 0 created, 0 updated, 184 already present" in output
    assert counts() == before
    assert not Change.objects.filter(pk__gt=last_change).exists()


# Bad input: a copy of the seed with one broken row ----------------------------------------------


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    for name in SEED_FILES:
        shutil.copy(SEED_DIR / name, tmp_path / name)
    return tmp_path


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_rows(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def break_row(folder: Path, filename: str, match: dict, changes: dict) -> int:
    """Change the first row whose values include `match`; return its row number (header = 1)."""
    path = folder / filename
    columns, rows = read_rows(path)
    index = next(i for i, row in enumerate(rows) if match.items() <= row.items())
    rows[index].update(changes)
    write_rows(path, columns, rows)
    return index + 2


FRANCE = {"country_iso2": "FR"}
NORWAY = {"country_iso2": "NO"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "match", "changes", "column", "words"),
    [
        (LIBRARIES, FRANCE, {"country_iso2": "ZZ"}, "country_iso2", "unknown country"),
        (LIBRARIES, FRANCE, {"country_iso3": "DEU"}, "country_iso3", "does not match FR"),
        (LIBRARIES, FRANCE, {"founded": "abc"}, "founded", "not a number"),
        (LIBRARIES, FRANCE, {"founded": "2999"}, "founded", "future"),
        (LIBRARIES, FRANCE, {"lat": "north"}, "lat", "not a number"),
        (LIBRARIES, FRANCE, {"lat": "95"}, "lat", "90"),
        (LIBRARIES, FRANCE, {"wikidata": "12345"}, "wikidata", "Q12345"),
        (LIBRARIES, FRANCE, {"website": "not a url"}, "website", "URL"),
        (LIBRARIES, FRANCE, {"isil": "not an isil"}, "isil", "ISIL"),
        (LIBRARIES, FRANCE, {"name": " "}, "name", "missing"),
        (LIBRARIES, FRANCE, {"memberships": "CENL;cenl??"}, "memberships", "cannot read"),
        (LIBRARIES, FRANCE, {"memberships": "CENL;NOPE"}, "memberships", "unknown organisation"),
        ("m49.csv", {"iso2": "FR"}, {"iso3": "FR"}, "iso3", "three-letter"),
        ("m49.csv", {"iso2": "FR"}, {"region_code": "15"}, "region_code", "M49"),
    ],
    ids=[
        "unknown country",
        "iso3 not matching iso2",
        "founded not a number",
        "founded in the future",
        "latitude not a number",
        "latitude out of range",
        "bad QID",
        "bad website",
        "bad ISIL",
        "empty name",
        "unreadable membership",
        "unknown organisation",
        "bad country iso3",
        "bad region code",
    ],
)
def test_a_broken_row_is_reported_with_file_row_and_column_and_nothing_is_loaded(
    seed_copy, filename, match, changes, column, words
):
    row = break_row(seed_copy, filename, match, changes)

    with pytest.raises(CommandError) as caught:
        load_seed(seed_copy)

    message = str(caught.value)
    assert f"{filename}, row {row}, column {column}:" in message
    assert words in message
    assert "Nothing was loaded" in message
    assert set(counts().values()) == {0}


@pytest.mark.django_db
def test_a_duplicate_qid_names_both_rows_and_nothing_is_loaded(seed_copy):
    first = break_row(seed_copy, LIBRARIES, NORWAY, {})
    qid = read_rows(seed_copy / LIBRARIES)[1][first - 2]["wikidata"]
    second = break_row(seed_copy, LIBRARIES, FRANCE, {"wikidata": qid})
    assert second < first  # France comes before Norway: the later row is the duplicate

    with pytest.raises(CommandError) as caught:
        load_seed(seed_copy)

    assert (
        f"{LIBRARIES}, row {first}, column wikidata: duplicate QID {qid} (also row {second})"
        in str(caught.value)
    )
    assert set(counts().values()) == {0}


@pytest.mark.django_db
def test_a_missing_column_is_reported_and_nothing_is_loaded(seed_copy):
    path = seed_copy / LIBRARIES
    columns, rows = read_rows(path)
    columns.remove("city")
    write_rows(path, columns, [{k: v for k, v in row.items() if k != "city"} for row in rows])

    with pytest.raises(CommandError) as caught:
        load_seed(seed_copy)

    assert f"{LIBRARIES}, row 1, column city: column missing" in str(caught.value)
    assert set(counts().values()) == {0}


@pytest.mark.django_db
def test_every_bad_row_is_reported_at_once(seed_copy):
    france = break_row(seed_copy, LIBRARIES, FRANCE, {"founded": "abc"})
    norway = break_row(seed_copy, LIBRARIES, NORWAY, {"lon": "east"})

    with pytest.raises(CommandError) as caught:
        load_seed(seed_copy)

    message = str(caught.value)
    assert f"row {france}, column founded" in message
    assert f"row {norway}, column lon" in message
    assert set(counts().values()) == {0}


@pytest.mark.django_db
def test_an_organisation_without_a_name_is_reported_and_nothing_is_loaded(seed_copy):
    path = seed_copy / "organisations.yaml"
    text = path.read_text(encoding="utf-8")
    broken = text.replace("  name: Conference of Directors of National Libraries\n", "", 1)
    assert broken != text
    path.write_text(broken, encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        load_seed(seed_copy)

    assert "organisations.yaml, row 1, column name: missing" in str(caught.value)
    assert set(counts().values()) == {0}


@pytest.mark.django_db
def test_update_applies_a_changed_row_and_logs_it_as_a_seed_update(seed_copy):
    path = seed_copy / LIBRARIES
    columns, rows = read_rows(path)
    write_rows(path, columns, [row for row in rows if row["country_iso2"] in ("FR", "NO")])
    load_seed(seed_copy)
    break_row(seed_copy, LIBRARIES, FRANCE, {"city": "Paris 13e"})

    output = load_seed(seed_copy, "--update")

    assert "libraries: 0 created, 1 updated, 1 already present" in output
    france = library("Q193563")
    assert france.city == "Paris 13e"
    assert france.fact_status("city") == FactStatus.UNVERIFIED
    change = Change.objects.get(action=ChangeAction.UPDATE)
    assert change.reason == "Seed data update"
    assert change.before == {"city": "Paris", "status:city": FactStatus.VERIFIED}
    assert change.after == {"city": "Paris 13e", "status:city": FactStatus.UNVERIFIED}


# Population ------------------------------------------------------------------------------------
# These tests call load_all, the loader behind `load_seed`, so that they need no other seed file.

POPULATION = "population.csv"
WPP = "UN World Population Prospects 2022, mid-2020 estimate (rounded)"


def population_row(iso2: str, population: str, status: str = "unverified") -> dict:
    return {"iso2": iso2, "year": "2020", "population": population, "source": WPP, "status": status}


@pytest.fixture
def small_seed(seed_copy) -> Path:
    """The seed copy cut to two libraries, with populations for France, Norway and Antarctica."""
    path = seed_copy / LIBRARIES
    columns, rows = read_rows(path)
    write_rows(path, columns, [row for row in rows if row["country_iso2"] in ("FR", "NO")])
    write_rows(
        seed_copy / POPULATION,
        ["iso2", "year", "population", "source", "status"],
        [
            population_row("FR", "64480000"),
            population_row("NO", "5380000", status="verified"),
            population_row("AQ", ""),  # no estimate: the country is left as it is
        ],
    )
    return seed_copy


def populations() -> dict[str, tuple]:
    return {
        c.iso2: (c.population, c.population_year, c.population_source)
        for c in Country.objects.all()
    }


def load_populations(folder: Path) -> tuple[int, int]:
    """Load the seed in `folder`; return the population report's (updated, unchanged)."""
    report = load_all(folder)["population"]
    return report.updated, report.unchanged


@pytest.mark.django_db
def test_loading_the_population_file_sets_each_country_s_population_year_and_source(small_seed):
    assert load_populations(small_seed) == (2, 1)

    france = Country.objects.get(iso2="FR")
    assert (france.population, france.population_year) == (64_480_000, 2020)
    assert france.population_source == f"{WPP} — unverified"
    assert Country.objects.get(iso2="NO").population_source == WPP  # verified: no mark
    antarctica = Country.objects.get(iso2="AQ")
    assert (antarctica.population, antarctica.population_year) == (None, None)
    assert antarctica.population_source == ""


@pytest.mark.django_db
def test_loading_the_population_file_twice_changes_nothing_the_second_time(small_seed):
    load_populations(small_seed)
    before = populations()

    assert load_populations(small_seed) == (0, 3)
    assert populations() == before


@pytest.mark.django_db
def test_a_changed_figure_updates_only_that_country(small_seed):
    load_populations(small_seed)
    break_row(small_seed, POPULATION, {"iso2": "NO"}, {"population": "5379839"})

    assert load_populations(small_seed) == (1, 2)
    assert Country.objects.get(iso2="NO").population == 5_379_839
    assert Country.objects.get(iso2="FR").population == 64_480_000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"population": "-5"}, "population", "negative"),
        ({"population": "64.5 million"}, "population", "not a whole number"),
        ({"iso2": "ZZ"}, "iso2", "unknown country"),
        ({"year": "1900"}, "year", "outside 1950–2030"),
        ({"year": "2035"}, "year", "outside 1950–2030"),
        ({"source": ""}, "source", "missing"),
        ({"status": "checked"}, "status", "not one of"),
    ],
    ids=[
        "negative population",
        "population not a number",
        "unknown country",
        "year too early",
        "year too late",
        "no source",
        "unknown status",
    ],
)
def test_a_broken_population_row_is_reported_with_row_and_column_and_nothing_is_loaded(
    small_seed, changes, column, words
):
    row = break_row(small_seed, POPULATION, {"iso2": "FR"}, changes)

    with pytest.raises(SeedFileError) as caught:
        load_all(small_seed)

    message = str(caught.value)
    assert f"{POPULATION}, row {row}, column {column}:" in message
    assert words in message
    assert set(counts().values()) == {0}


@pytest.mark.django_db
def test_a_country_named_twice_is_reported_on_its_second_row(small_seed):
    row = break_row(small_seed, POPULATION, {"iso2": "NO"}, {"iso2": "FR"})

    with pytest.raises(SeedFileError) as caught:
        load_all(small_seed)

    assert f"{POPULATION}, row {row}, column iso2: duplicate country FR (also row 2)" in str(
        caught.value
    )
    assert set(counts().values()) == {0}


@pytest.mark.django_db
def test_bad_population_rows_are_all_reported_and_no_figure_is_written(small_seed):
    load_populations(small_seed)
    before = populations()
    france = break_row(small_seed, POPULATION, {"iso2": "FR"}, {"population": "-64480000"})
    norway = break_row(small_seed, POPULATION, {"iso2": "NO"}, {"population": "1", "iso2": "ZZ"})

    with pytest.raises(SeedFileError) as caught:
        load_all(small_seed)

    message = str(caught.value)
    assert f"{POPULATION}, row {france}, column population: -64480000 is negative" in message
    assert f"{POPULATION}, row {norway}, column iso2: unknown country code 'ZZ'" in message
    assert populations() == before


@pytest.mark.django_db
def test_the_real_population_file_covers_every_country_and_marks_every_figure_unverified():
    load_countries(SEED_DIR / "m49.csv")

    report = load_population(SEED_DIR / POPULATION)

    assert (report.updated, report.unchanged) == (237, 13)  # 13 territories have no figure
    countries = Country.objects.all()
    assert countries.count() == 250
    assert all(c.population_source.endswith(" — unverified") for c in countries if c.population)
    assert Country.objects.get(iso2="CN").population == 1_424_930_000
    assert Country.objects.get(iso2="IN").population == 1_396_387_000
    assert Country.objects.get(iso2="US").population == 335_942_000
    assert Country.objects.get(iso2="XK").population_source.startswith("Kosovo Agency")
    assert Country.objects.get(iso2="AQ").population is None
    assert load_population(SEED_DIR / POPULATION).updated == 0

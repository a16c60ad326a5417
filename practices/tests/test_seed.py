"""The real digital unification case studies of data/seed/du_case_studies.csv."""

import csv
import shutil

import pytest

from accounts.choices import Role
from accounts.models import Notification, User
from core.models import Change
from libraries import seed as libraries_seed
from practices import search, seed, services
from practices.choices import PracticeStatus
from practices.models import Kind, Practice, Revision

CASE_STUDIES = 34


@pytest.fixture
def countries(db):
    """The real countries and regions, without the libraries."""
    libraries_seed.load_countries(libraries_seed.SEED_DIR / "m49.csv")


@pytest.fixture
def registry_libraries(db):
    """Everything libraries.seed loads: countries, organisations and the national libraries."""
    libraries_seed.load_all()


def by_title(title: str) -> Practice:
    return Practice.objects.get(title=title)


def counts() -> dict:
    return {
        "practices": Practice.objects.count(),
        "revisions": Revision.objects.count(),
        "changes": Change.objects.count(),
        "kinds": Kind.objects.count(),
    }


def test_the_case_studies_load_as_34_published_practices(countries):
    report = seed.load_case_studies()

    assert (report.kinds, report.practices, report.unchanged) == (4, CASE_STUDIES, 0)
    practices = Practice.objects.all()
    assert practices.count() == CASE_STUDIES
    assert set(practices.values_list("status", flat=True)) == {PracticeStatus.PUBLISHED}
    for practice in practices:
        assert practice.published_id == practice.current_id
        assert practice.published_at is not None
        assert practice.kind.slug == "digital-unification"
        assert practice.countries.exists(), practice.title
        assert practice.current.content["institutions"], practice.title
        assert practice.current.author_name == "seed data"
        assert practice.current.kind == "seed"  # the history says where it came from
    assert sorted(Kind.objects.values_list("slug", flat=True)) == [
        "best-practice",
        "digital-unification",
        "legal-deposit",
        "other",
    ]


def test_a_case_study_keeps_its_countries_years_institutions_and_address(countries):
    seed.load_case_studies()

    codex = by_title("Codex Sinaiticus Project")
    assert sorted(codex.countries.values_list("iso2", flat=True)) == ["DE", "EG", "GB", "RU"]
    assert (codex.start_year, codex.end_year) == (2005, 2009)
    assert codex.project_status == "completed"
    assert codex.language == "en"
    content = codex.current.content
    assert [i["name"] for i in content["institutions"]] == [
        "British Library",
        "Leipzig University Library",
        "St Catherine's Monastery (Sinai)",
        "National Library of Russia",
    ]
    assert content["urls"][0]["url"] == "https://codexsinaiticus.org"
    assert "4th-century Greek Bible" in codex.summary


def test_roles_in_brackets_become_institution_roles(countries):
    seed.load_case_studies()

    regia = by_title("Europeana Regia").current.content["institutions"]
    palatina = by_title("Bibliotheca Palatina - digital").current.content["institutions"]
    assert regia[0] == {
        "name": "Bibliothèque nationale de France",
        "library": "",
        "role": "lead",
        "country": "",
    }
    assert {i["role"] for i in regia[1:]} == {"partner"}
    assert palatina[-1]["name"] == "Manfred Lautenschläger Foundation"
    assert palatina[-1]["role"] == "funder"


def test_every_source_is_loaded_unverified(countries):
    seed.load_case_studies()

    sources = [
        source for revision in Revision.objects.all() for source in revision.content["sources"]
    ]
    assert len(sources) >= CASE_STUDIES
    assert {source["last_verified"] for source in sources} == {""}
    assert all(source["url"] or source["citation"] for source in sources)


def test_case_studies_are_found_by_search_with_or_without_accents(countries):
    seed.load_case_studies()
    published = Practice.objects.filter(status=PracticeStatus.PUBLISHED)

    assert [p.title for p in search.matching(published, "palatina vatican")] == [
        "Bibliotheca Palatina - digital"
    ]
    clairvaux = [p.title for p in search.matching(published, "bibliotheque virtuelle clairvaux")]
    assert clairvaux == ["Bibliothèque virtuelle de Clairvaux"]


def test_loading_tells_no_moderator(countries):
    moderator = User.objects.create_user("mod@example.org", "x" * 20, role=Role.MODERATOR)

    seed.load_case_studies()

    assert not Notification.objects.filter(user=moderator).exists()


def test_institutions_are_linked_to_registry_libraries_when_those_are_loaded(
    registry_libraries,
):
    seed.load_case_studies()

    def libraries(title):
        return sorted(by_title(title).libraries.values_list("slug", flat=True))

    assert libraries("Codex Sinaiticus Project") == [
        "british-library",
        "national-library-of-russia",
    ]
    assert libraries("Europeana Regia") == ["national-library-of-france"]
    assert libraries("Bibliotheca Palatina - digital") == []  # a university library: no link
    linked = Practice.objects.filter(libraries__isnull=False).distinct().count()
    assert 10 <= linked < CASE_STUDIES
    regia = by_title("Europeana Regia").current.content["institutions"]
    assert regia[0]["library"] == "national-library-of-france"


def test_loading_twice_adds_nothing(countries):
    seed.load_case_studies()
    before = counts()

    report = seed.load_case_studies()

    assert (report.kinds, report.practices, report.unchanged) == (0, 0, CASE_STUDIES)
    assert counts() == before


def test_a_renamed_case_study_is_not_loaded_again(countries):
    seed.load_case_studies()
    regia = by_title("Europeana Regia")
    services.edit_practice(
        regia,
        {**regia.current.content, "title": "Europeana Regia (2010–2012)"},
        user=seed.SEED,
        reason="Years in the title",
        expected_version=regia.version,
    )

    seed.load_case_studies()

    assert Practice.objects.count() == CASE_STUDIES


# A bad file --------------------------------------------------------------------------------


def write_rows(path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=seed.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def real_rows() -> list[dict]:
    with seed.CASE_STUDIES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_bad_row_is_reported_with_its_row_and_field_and_nothing_is_loaded(countries, tmp_path):
    rows = real_rows()[:3]
    rows[1] = {**rows[1], "countries_iso2": "DE;XX", "start_year": "2021", "end_year": "2001"}
    rows[2] = {**rows[2], "url": "bibliotheca-laureshamensis-digital.de"}
    path = tmp_path / "du_case_studies.csv"
    write_rows(path, rows)

    with pytest.raises(seed.CaseStudyFileError) as caught:
        seed.load_case_studies(path)

    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("du_case_studies.csv, row 3, countries: ") and "XX" in lines[0]
    assert lines[1].startswith("du_case_studies.csv, row 3, end_year: ")
    assert "before the start year" in lines[1]
    assert lines[2].startswith("du_case_studies.csv, row 4, urls: ")
    assert "bibliotheca-laureshamensis-digital.de" in lines[2]
    assert counts() == {"practices": 0, "revisions": 0, "changes": 0, "kinds": 0}


def test_a_file_without_a_column_is_refused_naming_it(countries, tmp_path):
    path = tmp_path / "du_case_studies.csv"
    path.write_text("title,institutions\nX,Y\n", encoding="utf-8")

    with pytest.raises(seed.CaseStudyFileError) as caught:
        seed.load_case_studies(path)

    assert "missing columns countries_iso2, start_year, end_year, url, summary, source" in str(
        caught.value
    )
    assert not Practice.objects.exists()


def test_a_missing_file_is_reported(countries, tmp_path):
    with pytest.raises(seed.CaseStudyFileError) as caught:
        seed.load_case_studies(tmp_path / "nothing.csv")

    assert "nothing.csv" in str(caught.value)


def test_the_shipped_file_is_the_one_loaded(tmp_path, countries):
    copy = tmp_path / "du_case_studies.csv"
    shutil.copy(seed.CASE_STUDIES, copy)

    assert len(seed.read_rows(copy)) == CASE_STUDIES == len(real_rows())


def test_the_kinds_are_named_in_the_seven_languages_and_missing_names_are_added(countries):
    from django.conf import settings
    from django.utils import translation

    seed.load_kinds()
    other = Kind.objects.get(slug="other")
    other.translations = {"fr": "Divers"}  # a moderator's own French name, and no others
    other.save()

    seed.load_kinds()

    other.refresh_from_db()
    assert other.translations["fr"] == "Divers"  # kept
    assert other.translations["de"] == "Sonstiges"  # added
    for code, _name in settings.LANGUAGES:
        if code != "en":
            with translation.override(code):
                assert str(Kind.objects.get(slug="best-practice")) != "Best practice", code

"""Export and import of practices: records with every content field, a flat CSV that reads back
to the same records, and an import that checks everything first and writes all or nothing."""

import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.actors import SEED
from libraries.export import csv_response, json_response
from practices import exchange, services
from practices.content import FIELDS
from practices.models import Practice, Revision
from practices.tests.conftest import make_content

A_SLUG = "bibliotheque-nationale-de-france"


def tricky_content(**overrides) -> dict:
    """Content whose texts hold every character the CSV must carry: separators, quotes, new
    lines, backslashes and cells a spreadsheet would run as formulas."""
    content = make_content(
        title="=1+1 is not a formula here",
        summary='-minus first, then "quotes", a; semicolon and a | pipe',
        body='Line one; with "quotes"\nLine two | with a pipe\r\n\n- a list item, \\ a backslash',
        licence="@CC BY 4.0",
        lessons="'=already quoted; twice '' and \\; escaped-looking",
        tags=["a;b", "c|d", 'say "hi"', "=SUM(A1)", "back\\slash", "ends with \\"],
        material_types=["+plus", "maps; charts"],
        countries=["FR", "NO"],
        institutions=[
            {"name": "Archives | Paris; Nord", "role": "lead", "library": A_SLUG, "country": "FR"},
            {"name": '"Quoted" Library\nsecond line', "role": "holder"},
        ],
        urls=[
            {
                "url": "https://example.org/a;b?c=1|2",
                "archived_url": "https://web.archive.org/web/2020/https://example.org/",
                "label": "=HYPERLINK(x); home | page",
            }
        ],
        sources=[
            {"citation": "Smith; Jones | 2020", "url": "", "last_verified": "2025-01-02"},
            {"citation": "", "url": "https://example.org/report", "last_verified": ""},
        ],
        start_year=1998,
        end_year=2004,
        scale_items=12000,
        scale_holders=3,
        iiif=True,
    )
    content.update(overrides)
    return content


@pytest.fixture
def tricky_practice(personas, kinds):
    practice = services.start_practice(tricky_content(), user=personas["alice"], reason="test")
    practice = services.submit_practice(practice, user=personas["alice"], expected_version=None)
    return services.approve_practice(practice, user=personas["moderator"], expected_version=None)


def exported_csv(records) -> bytes:
    return csv_response(exchange.csv_rows(records), exchange.csv_columns(), "practices").content


def exported_json(records) -> bytes:
    return json_response(records, "practices", {"licence": "test"}).content


def revision_count() -> int:
    return Revision.objects.count()


# Export --------------------------------------------------------------------------------------


def test_an_export_record_has_the_code_status_every_content_field_and_the_address(
    published_practice, settings
):
    [record] = exchange.export_records(Practice.objects.filter(pk=published_practice.pk))

    assert list(record)[:7] == ["code", "kind", "status", "title", "summary", "body", "language"]
    assert set(record) == {"code", "status", "published_at", "url", *FIELDS}
    assert list(record)[-2:] == ["published_at", "url"]
    assert record["code"] == published_practice.code
    assert record["status"] == "published"
    assert record["kind"] == "digital-unification"
    assert record["countries"] == ["FR", "NO"]
    assert record["institutions"] == [
        {"name": "Bibliothèque nationale de France", "library": "", "role": "lead", "country": ""}
    ]
    assert record["published_at"] == published_practice.published_at.isoformat()
    assert record["url"] == settings.SITE_URL + published_practice.get_absolute_url()
    assert exchange.csv_columns() == list(record)


def test_the_export_shows_the_published_content_unless_the_working_copy_is_asked_for(
    personas, published_practice
):
    archived = services.archive_practice(
        published_practice, user=personas["moderator"], reason="old", expected_version=None
    )
    services.edit_practice(
        archived,
        make_content(title="A new working title"),
        user=personas["alice"],
        reason="edit",
        expected_version=None,
    )
    practices = Practice.objects.filter(pk=archived.pk)

    assert exchange.export_records(practices)[0]["title"] != "A new working title"
    assert exchange.export_records(practices, working_copy=True)[0]["title"] == (
        "A new working title"
    )


def test_a_draft_is_exported_with_its_working_copy(draft_practice):
    [record] = exchange.export_records([draft_practice])

    assert record["status"] == "draft"
    assert record["title"] == make_content()["title"]
    assert record["published_at"] is None


def test_the_csv_flattens_lists_and_structured_entries(tricky_practice):
    [row] = exchange.csv_rows(exchange.export_records([tricky_practice]))

    assert row["countries"] == "FR; NO"
    assert row["tags"] == 'a\\;b; c\\|d; say "hi"; =SUM(A1); back\\\\slash; ends with \\\\'
    assert row["institutions"].startswith(f"Archives \\| Paris\\; Nord | lead | {A_SLUG} | FR; ")
    assert row["sources"] == (
        "Smith\\; Jones \\| 2020 |  | 2025-01-02;  | https://example.org/report | "
    )
    assert row["iiif"] == "yes"
    assert row["start_year"] == 1998


# Round trips ---------------------------------------------------------------------------------


def test_export_then_read_gives_the_same_records_in_csv_and_json(tricky_practice, draft_practice):
    records = exchange.export_records(
        Practice.objects.filter(pk__in=[tricky_practice.pk, draft_practice.pk]), working_copy=True
    )
    csv_bytes = exported_csv(records)

    assert b"'=1+1 is not a formula here" in csv_bytes  # protected in the spreadsheet
    assert exchange.read_upload(csv_bytes, "csv") == records
    assert exchange.read_upload(exported_json(records), "json") == records
    upload = SimpleUploadedFile("practices.csv", csv_bytes, content_type="text/csv")
    assert exchange.read_upload(upload, "csv") == records


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_reimporting_an_export_changes_nothing(personas, tricky_practice, draft_practice, fmt):
    practices = Practice.objects.filter(pk__in=[tricky_practice.pk, draft_practice.pk])
    records = exchange.export_records(practices, working_copy=True)
    data = exported_csv(records) if fmt == "csv" else exported_json(records)
    versions = dict(practices.values_list("code", "version"))
    revisions = revision_count()

    saved = exchange.import_records(exchange.read_upload(data, fmt), user=personas["moderator"])

    assert sorted(p.code for p in saved) == sorted(versions)
    assert revision_count() == revisions
    assert dict(practices.values_list("code", "version")) == versions
    assert exchange.export_records(practices, working_copy=True) == records


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_imported_into_an_empty_database_gives_the_same_records(
    personas, tricky_practice, draft_practice, fmt
):
    practices = Practice.objects.filter(pk__in=[tricky_practice.pk, draft_practice.pk])
    records = exchange.export_records(practices.order_by("pk"), working_copy=True)
    data = exported_csv(records) if fmt == "csv" else exported_json(records)
    Practice.objects.all().delete()

    saved = exchange.import_records(exchange.read_upload(data, fmt), user=personas["moderator"])

    again = exchange.export_records(
        Practice.objects.filter(pk__in=[p.pk for p in saved]).order_by("pk"), working_copy=True
    )
    volatile = ("code", "published_at", "url")
    assert [{k: v for k, v in r.items() if k not in volatile} for r in again] == [
        {k: v for k, v in r.items() if k not in volatile} for r in records
    ]
    assert [p.status for p in saved] == ["published", "draft"]
    assert saved[0].published_at is not None


# Import --------------------------------------------------------------------------------------


def test_an_import_checks_every_record_first_lists_every_problem_and_writes_nothing(
    personas, published_practice
):
    before = (Practice.objects.count(), revision_count())
    records = [
        make_content(title="Fine one"),
        make_content(title="Too many tags", tags=[f"t{i}" for i in range(31)]),
        make_content(title="Backwards", start_year=2010, end_year=2001, countries=["XX"]),
        {"code": published_practice.code, "body": "x" * 200_001},
        make_content(title="Bad status", status="lost", urls=[{"url": "not a url"}]),
        make_content(title="Unknown library", institutions=[{"name": "X", "library": "nope"}]),
        "not an object",
        {**make_content(title="Extra"), "colour": "red"},
    ]

    with pytest.raises(ValidationError) as caught:
        exchange.import_records(records, user=personas["moderator"])

    messages = caught.value.messages
    assert messages == [
        "record 2 (Too many tags): tags: At most 30 tags (this has 31).",
        "record 3 (Backwards): countries: Unknown codes: XX.",
        "record 3 (Backwards): end_year: The end year cannot be before the start year.",
        "record 4 (untitled): body: At most 200000 characters (this has 200001).",
        "record 5 (Bad status): status: “lost” is not one of: draft, submitted, published, "
        "archived.",
        "record 5 (Bad status): urls: url: “not a url” is not a web address (https://…).",
        "record 6 (Unknown library): institutions: No library with the address “nope”.",
        "record 7: not an object.",
        "record 8 (Extra): Unknown fields: colour.",
    ]
    assert (Practice.objects.count(), revision_count()) == before


def test_an_import_is_for_moderators_only(personas, kinds):
    with pytest.raises(PermissionDenied):
        exchange.import_records([make_content()], user=personas["alice"])
    assert not Practice.objects.exists()


def test_an_import_creates_new_records_in_the_status_they_say_and_updates_known_codes(
    personas, published_practice
):
    records = [
        make_content(title="Published on arrival", status="published"),
        make_content(title="A draft on arrival"),
        make_content(title="Archived on arrival", status="archived"),
        {"code": published_practice.code, "summary": "Only the summary changes."},
    ]

    saved = exchange.import_records(records, user=personas["moderator"])

    assert [p.status for p in saved] == ["published", "draft", "archived", "published"]
    assert saved[0].published.content["title"] == "Published on arrival"
    assert saved[1].published_id is None
    updated = Practice.objects.get(pk=published_practice.pk)
    assert updated.summary == "Only the summary changes."
    assert updated.published.content["title"] == make_content()["title"]  # left out: kept
    assert updated.version == published_practice.version + 1
    assert saved[0].current.kind == saved[3].current.kind == "import"  # shown in the history


def test_the_same_code_twice_in_one_import_is_refused(personas, published_practice):
    code = published_practice.code
    with pytest.raises(ValidationError) as caught:
        exchange.import_records(
            [{"code": code, "title": "One"}, {"code": code, "title": "Two"}],
            user=personas["moderator"],
        )
    assert caught.value.messages == [f"record 2 (Two): code: {code} is also in record 1."]


def test_a_hand_written_csv_is_read_with_its_lists(personas, kinds):
    text = (
        "title,summary,language,kind,countries,institutions,sources,tags,iiif,start_year\n"
        'Hand made,Typed in a spreadsheet,en,best-practice,"FR; NO","BnF; Nasjonalbiblioteket '
        '| holder","https://example.org/a; A printed report",one; two,no,2001\n'
    )

    [record] = exchange.read_upload(text.encode(), "csv")

    assert record["countries"] == ["FR", "NO"]
    assert record["institutions"] == [
        {"name": "BnF", "role": "", "library": "", "country": ""},
        {"name": "Nasjonalbiblioteket", "role": "holder", "library": "", "country": ""},
    ]
    assert record["sources"] == [
        {"citation": "", "url": "https://example.org/a", "last_verified": ""},
        {"citation": "A printed report", "url": "", "last_verified": ""},
    ]
    assert record["tags"] == ["one", "two"]
    assert record["iiif"] is False
    assert record["start_year"] == 2001
    [practice] = exchange.import_records([record], user=personas["moderator"])
    assert practice.current.content["institutions"][0]["role"] == "partner"


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b"[{", "json", "The file is not valid JSON"),
        (b'{"title": "x"}', "json", "must be a list of records"),
        (b'[{"title": "x"}, 3]', "json", "these are not: 2"),
        ("Bibliothèque".encode("latin-1"), "csv", "not UTF-8 text"),
        (b"", "csv", "needs a header row"),
        (b"title,colour\nx,red\n", "csv", "Unknown columns: colour"),
        (b"title,title\nx,y\n", "csv", "Repeated columns: title"),
        (b"title\nx,y\n", "csv", "more cells than the header"),
        (b"[]", "xml", "json or csv"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(data, fmt, message):
    with pytest.raises(ValidationError) as caught:
        exchange.read_upload(data, fmt)
    assert message in " ".join(caught.value.messages)


def test_a_file_over_20_mb_is_refused_before_it_is_read():
    big = SimpleUploadedFile("big.json", b" " * (exchange.MAX_UPLOAD + 1))
    with pytest.raises(ValidationError) as caught:
        exchange.read_upload(big, "json")
    assert caught.value.messages == ["The file is larger than 20 MB."]
    with pytest.raises(ValidationError):
        exchange.read_upload(io.BytesIO(b" " * (exchange.MAX_UPLOAD + 1)), "json")


def test_a_json_export_file_is_read_with_its_results(published_practice):
    records = exchange.export_records([published_practice])
    body = json.dumps({"count": 1, "results": records}).encode()

    assert exchange.read_upload(body, "json") == records


def test_the_seed_actor_may_import_like_a_moderator(kinds, registry):
    [practice] = exchange.import_records(
        [make_content(title="From the seed", status="published")], user=SEED
    )
    assert practice.status == "published"

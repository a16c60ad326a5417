"""The in-memory facet index (practices/facets.py) as a server uses it: built once, kept while
nothing changes, rebuilt after a publication, and never keeping what a rolled-back transaction
wrote. These tests commit for real (transactional database), as requests do."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from practices import facets, services
from practices.models import Practice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _trust_the_data_version(settings):
    # As on a server: the data version is read once a second, not before every use.
    settings.DATA_VERSION_SECONDS = 60


def published_ids() -> list[int]:
    return list(Practice.objects.filter(status="published").values_list("pk", flat=True))


def test_the_index_is_built_once_then_answers_without_a_query(publish):
    publish(title="Lorsch abbey library", countries=["FR"])
    first = facets.current()

    with CaptureQueriesContext(connection) as queries:
        again = facets.current()
        counts = again.counts(Practice.objects.values_list("pk", flat=True).iterator())

    assert again is first
    assert len(queries) == 1  # the ids given, nothing for the index
    assert counts["country"] == {"FR": 1}


def test_a_publication_is_counted_at_once(publish, personas):
    publish(title="Lorsch abbey library", countries=["FR"])
    before = facets.current().counts(published_ids())

    publish(title="Timbuktu manuscripts", countries=["SN"], kind="best-practice")
    after = facets.current().counts(published_ids())

    assert before["country"] == {"FR": 1}
    assert after["country"] == {"FR": 1, "SN": 1}
    assert after["kind"] == {"digital-unification": 1, "best-practice": 1}


def test_an_archived_practice_is_no_longer_offered_as_related(publish, personas):
    lorsch = publish(title="Lorsch abbey library", countries=["FR"])
    palatina = publish(title="Bibliotheca Palatina", countries=["FR"])
    assert facets.current().related(lorsch.pk, 5) == [palatina.pk]

    services.archive_practice(
        palatina, user=personas["moderator"], reason="ended", expected_version=None
    )

    assert facets.current().related(lorsch.pk, 5) == []


def test_what_a_rolled_back_transaction_wrote_is_not_kept(publish):
    publish(title="Lorsch abbey library", countries=["FR"])

    with pytest.raises(RuntimeError), transaction.atomic():
        publish(title="Never published", countries=["SN"])
        inside = facets.current().counts(published_ids())
        raise RuntimeError("the request failed")

    assert inside["country"] == {"FR": 1, "SN": 1}  # the transaction sees its own work
    assert facets.current().counts(published_ids())["country"] == {"FR": 1}
    assert Practice.objects.filter(title="Never published").count() == 0


def test_paging_through_a_search_does_not_search_again(publish, client):
    for n in range(25):
        publish(title=f"Lorsch manuscripts {n:02d}", countries=["FR"])
    first = client.get("/en/practices/", {"q": "lorsch"})

    with CaptureQueriesContext(connection) as queries:
        second = client.get("/en/practices/", {"q": "lorsch", "page": "2"})

    assert "25 practices" in first.content.decode()
    assert "Lorsch manuscripts" in second.content.decode()
    searches = [q["sql"] for q in queries if "practices_search" in q["sql"] or "_fts" in q["sql"]]
    assert searches == []

"""Ranked full-text search over published practices, one function for both databases.

PostgreSQL: `to_tsvector('simple', search_text)` with a GIN index on that expression (migration
0002), queried with `websearch_to_tsquery`, ranked by `ts_rank`. SQLite: an FTS5 table kept in
step by `index()` when a revision is published, ranked by `bm25`. The text is stored accent- and
case-free (`search_text`), and the query is normalised the same way, so "bibliotheque" finds
"Bibliothèque" on both.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, F, Q

from libraries.models import normalise

FTS_TABLE = "practices_practice_fts"
CONFIG = "simple"


def index(practice) -> None:
    """Keep SQLite's FTS5 table in step with the published text (PostgreSQL needs nothing)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [practice.pk])  # noqa: S608
        if practice.published_id:
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}(rowid, title, text) VALUES (%s, %s, %s)",  # noqa: S608
                [practice.pk, practice.search_title, practice.search_text],
            )


def terms(query: str) -> list[str]:
    return [t for t in "".join(c if c.isalnum() else " " for c in normalise(query)).split() if t]


def matching(queryset, query: str):
    """The practices matching every word of `query`, best first (annotated with `rank`)."""
    words = terms(query)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        vector = SearchVector("search_text", config=CONFIG)
        # Every word required, each as a prefix, as on SQLite; words are letters and digits
        # only (terms()), so they are safe in tsquery syntax.
        search = SearchQuery(" & ".join(f"{w}:*" for w in words), config=CONFIG, search_type="raw")
        # Filtered on the same expression as the GIN index, so PostgreSQL uses it; ranked with
        # the title weighted above the rest.
        weighted = SearchVector("search_title", weight="A", config=CONFIG) + SearchVector(
            "search_text", weight="D", config=CONFIG
        )
        return queryset.annotate(document=vector, rank=SearchRank(weighted, search)).filter(
            document=search
        )
    if connection.vendor == "sqlite":
        # Words are letters and digits only (see terms()), each quoted as an FTS5 prefix; the
        # user's text reaches SQLite as a parameter, the table names are our constants.
        match = " AND ".join(f'"{w}"*' for w in words)
        table = queryset.model._meta.db_table
        rank = f"SELECT -bm25({FTS_TABLE}, 10.0, 1.0) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid = {table}.id"  # noqa: S608, E501
        within = f"{table}.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"  # noqa: S608
        return queryset.extra(  # noqa: S610 - parameters only, see above
            select={"rank": rank}, select_params=[match], where=[within], params=[match]
        )
    condition = Q()
    for word in words:
        condition &= Q(search_text__contains=word)
    return queryset.filter(condition).annotate(rank=F("view_count"))


def facet_counts(queryset) -> dict[str, dict]:
    """Counts per value of each facet over the result set (one query per facet)."""
    ids = queryset.order_by().values("pk")
    from .models import Practice

    base = Practice.objects.filter(pk__in=ids).order_by()
    return {
        "kind": _counts(base, "kind__slug"),
        "country": _counts(base, "countries__iso2"),
        "region": _counts(base, "countries__region__code", distinct=True),
        "area": _counts(base, "areas__code"),
        "period": _decades(base),
        "status": _counts(base, "project_status"),
        "language": _counts(base, "language"),
    }


def _counts(base, field: str, distinct: bool = False) -> dict:
    rows = base.values(field).annotate(n=Count("pk", distinct=distinct)).values_list(field, "n")
    return {value: n for value, n in rows if value not in (None, "")}


def _decades(base) -> dict:
    from django.db.models import IntegerField
    from django.db.models.functions import Cast

    rows = (
        base.exclude(start_year=None)
        .annotate(decade=Cast(F("start_year") / 10, IntegerField()) * 10)
        .values("decade")
        .annotate(n=Count("pk"))
        .values_list("decade", "n")
    )
    return dict(sorted(rows))

"""Ranked full-text search over published practices, one function for both databases.

`index()` writes a practice's published text when a revision is published. PostgreSQL keeps
it as a weighted search vector (`practices_search`: title weight A, the rest D) with a GIN index,
queried with a prefix tsquery and ranked by `ts_rank` on a second, short vector (title A; summary,
tags and institutions B); SQLite as a row of an FTS5 table, ranked by bm25 with the title
weighted. The text is indexed accent- and case-free
(`search_text()`), and the query is normalised the same way, so "bibliotheque" finds
"Bibliothèque" on both. The text lives only there, so the practices table stays narrow for the
sorts and joins of the list. Both are plain joins, so a search can be nested in
other queries (facets, exports) without running again for each row.

Facet counts come from `facets.FacetIndex`, which counts the values of a result set in memory.
"""

from __future__ import annotations

import numpy as np
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F

from libraries.models import normalise

from .models import SearchDocument, SearchEntry

FTS_TABLE = "practices_practice_fts"
PG_TABLE = "practices_search"
CONFIG = "simple"
RELEVANCE = ("-rank", "-pk")  # best first; equal ranks, newest record first


def connect_signals() -> None:
    """A deleted practice leaves the search table with it, however it was deleted (the
    PostgreSQL trigger does the same; SQLite has none on its FTS5 table)."""
    from django.db.models.signals import post_delete

    from .models import Practice

    post_delete.connect(_unindex, sender=Practice, dispatch_uid="practices-unindex")


def _unindex(sender, instance, **_kwargs) -> None:
    index_many([(instance.pk, None)])


def search_text(content: dict) -> str:
    """Accent- and case-free words of everything a search should find."""
    parts = [content.get("title", ""), content.get("summary", ""), content.get("body", "")]
    parts += [i.get("name", "") for i in content.get("institutions", [])]
    parts += content.get("tags", [])
    return normalise(" ".join(p for p in parts if p))


def head_text(content: dict) -> str:
    """The words that rank a match on PostgreSQL, after the title: summary, tags, institutions."""
    parts = [content.get("summary", ""), *content.get("tags", [])]
    parts += [i.get("name", "") for i in content.get("institutions", [])]
    return normalise(" ".join(p for p in parts if p))


def index(practice) -> None:
    """Write the published text of a practice to the search table, or take it out when the
    practice has no published revision."""
    published = practice.published.content if practice.published_id else None
    index_many([(practice.pk, published)])


def index_many(rows: list[tuple[int, dict | None]]) -> None:
    """index() for many practices at once: (id, published content or None) pairs."""
    ids = [(pk,) for pk, _content in rows]
    published = [(pk, normalise(c["title"]), c) for pk, c in rows if c is not None]
    texts = [(pk, title, search_text(c)) for pk, title, c in published]
    # Table names are our constants; the text reaches the database as parameters.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.executemany(f"DELETE FROM {PG_TABLE} WHERE practice_id = %s", ids)  # noqa: S608
            cursor.executemany(
                f"INSERT INTO {PG_TABLE} (practice_id, document, head) VALUES (%s, "  # noqa: S608
                f"setweight(to_tsvector('{CONFIG}', %s), 'A') "
                f"|| setweight(to_tsvector('{CONFIG}', %s), 'D'), "
                f"setweight(to_tsvector('{CONFIG}', %s), 'A') "
                f"|| setweight(to_tsvector('{CONFIG}', %s), 'B'))",
                [
                    (pk, title, text, title, head_text(c))
                    for (pk, title, c), (*_, text) in zip(published, texts, strict=True)
                ],
            )
        elif connection.vendor == "sqlite":
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", ids)  # noqa: S608
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE}(rowid, title, text) VALUES (%s, %s, %s)",  # noqa: S608
                texts,
            )


def terms(query: str) -> list[str]:
    return [t for t in "".join(c if c.isalnum() else " " for c in normalise(query)).split() if t]


def _tsquery(words: list[str]) -> SearchQuery:
    # Every word required, each as a prefix, as on SQLite; words are letters and digits only
    # (terms()), so they are safe in tsquery syntax.
    return SearchQuery(" & ".join(f"{w}:*" for w in words), config=CONFIG, search_type="raw")


def _match(words: list[str]) -> str:
    # Each word quoted as an FTS5 prefix; the text reaches SQLite as a parameter.
    return " AND ".join(f'"{w}"*' for w in words)


def matching(queryset, query: str):
    """The practices matching every word of `query`, annotated with `rank` (higher is better)."""
    words = terms(query)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        search = _tsquery(words)
        # Matched on the whole text (GIN index), ranked on the title, summary, tags and
        # institutions only: ranking every match of a common word on its whole text would cost
        # more than finding them.
        head = F("search_document__head")
        return queryset.filter(search_document__document=search).annotate(
            rank=SearchRank(head, search)
        )
    if connection.vendor == "sqlite":
        return queryset.filter(search_entry__document__match=_match(words)).annotate(
            rank=-F("search_entry__rank")
        )
    raise NotImplementedError(f"No full-text search on {connection.vendor}")


def ids(queryset) -> list[int]:
    """The ids of a result set in its order, in one query read straight from the cursor (a
    list of 20,000 goes through no model or iterator machinery). Ordered by relevance, the
    ranks are read too and sorted here: numpy sorts 20,000 pairs several times faster than
    the database's sort node, which was a quarter of a common word's search."""
    if tuple(queryset.query.order_by) == RELEVANCE and connection.vendor == "postgresql":
        # (Not on SQLite, whose planner, without the ORDER BY on FTS5's rank, may start from
        # the practices and run the full-text match again for each: seconds instead of ms.)
        return _best_first(queryset.order_by().values_list("pk", "rank"))
    sql, params = queryset.values_list("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def ranked(query: str) -> list[int]:
    """The ids of all listed (published or archived) practices matching every word, best
    first, read from the search table alone: a list without other filters needs no join with
    the practices. The table holds the published text (index() writes it on publication and
    it leaves with the practice); the in-memory facet index, which knows each practice's
    status, keeps out anything else (a row left behind by a bulk delete, say)."""
    from . import facets

    words = terms(query)
    if connection.vendor == "postgresql":
        search = _tsquery(words)
        rows = SearchDocument.objects.filter(document=search).annotate(
            rank=SearchRank(F("head"), search)
        )
        pairs = rows.values_list("practice_id", "rank")
    else:
        rows = SearchEntry.objects.filter(document__match=_match(words))
        pairs = rows.annotate(score=-F("rank")).values_list("practice_id", "score")
    return facets.current().public_only(_best_first(pairs))


def matching_ids(query: str) -> np.ndarray:
    """The ids the search table holds for these words, in no order and without ranks (what
    a search sorted otherwise than by relevance needs: the cheapest question)."""
    words = terms(query)
    if connection.vendor == "postgresql":
        rows = SearchDocument.objects.filter(document=_tsquery(words))
        sql, params = rows.values_list("practice_id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT array_agg(i) FROM ({sql}) AS found(i)", params)  # noqa: S608
            found = cursor.fetchone()[0] or []
    else:
        rows = SearchEntry.objects.filter(document__match=_match(words))
        found = list(rows.values_list("practice_id", flat=True))
    return np.array(found, dtype=np.int64)


def _best_first(pairs) -> list[int]:
    """Ids of (id, rank) pairs by rank, highest first; equal ranks, newest record first (the
    same order as RELEVANCE)."""
    sql, params = pairs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two arrays instead of 20,000 rows: the driver reads them several times faster.
            wrapped = f"SELECT array_agg(i), array_agg(r) FROM ({sql}) AS pairs(i, r)"  # noqa: S608
            cursor.execute(wrapped, params)
            found, ranks = cursor.fetchone()
        else:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            found, ranks = [row[0] for row in rows], [row[1] for row in rows]
    if not found:
        return []
    pks = np.array(found, dtype=np.int64)
    order = np.lexsort((-pks, -np.array(ranks, dtype=np.float64)))
    return pks[order].tolist()


def facet_counts(queryset) -> dict[str, dict]:
    """Counts per value of each facet over the result set (one query for its ids)."""
    from . import facets

    return facets.current().counts(queryset.order_by().values_list("pk", flat=True))

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

FTS_TABLE = "practices_practice_fts"
PG_TABLE = "practices_search"
CONFIG = "simple"
RELEVANCE = ("-rank", "-pk")  # best first; equal ranks, newest record first


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


def matching(queryset, query: str):
    """The practices matching every word of `query`, annotated with `rank` (higher is better)."""
    words = terms(query)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        # Every word required, each as a prefix, as on SQLite; words are letters and digits
        # only (terms()), so they are safe in tsquery syntax.
        search = SearchQuery(" & ".join(f"{w}:*" for w in words), config=CONFIG, search_type="raw")
        # Matched on the whole text (GIN index), ranked on the title, summary, tags and
        # institutions only: ranking every match of a common word on its whole text would cost
        # more than finding them.
        head = F("search_document__head")
        return queryset.filter(search_document__document=search).annotate(
            rank=SearchRank(head, search)
        )
    if connection.vendor == "sqlite":
        # Each word quoted as an FTS5 prefix; the text reaches SQLite as a parameter.
        match = " AND ".join(f'"{w}"*' for w in words)
        return queryset.filter(search_entry__document__match=match).annotate(
            rank=-F("search_entry__rank")
        )
    raise NotImplementedError(f"No full-text search on {connection.vendor}")


def ids(queryset) -> list[int]:
    """The ids of a result set in its order, in one query read straight from the cursor (a
    list of 20,000 goes through no model or iterator machinery). Ordered by relevance, the
    ranks are read too and sorted here: numpy sorts 20,000 pairs several times faster than
    the database's sort node, which was a quarter of a common word's search."""
    if tuple(queryset.query.order_by) == RELEVANCE:
        rows = _rows(queryset.order_by().values_list("pk", "rank"))
        pks = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        ranks = np.fromiter((row[1] for row in rows), dtype=np.float64, count=len(rows))
        return pks[np.lexsort((-pks, -ranks))].tolist()
    return [row[0] for row in _rows(queryset.values_list("pk"))]


def _rows(queryset) -> list[tuple]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def facet_counts(queryset) -> dict[str, dict]:
    """Counts per value of each facet over the result set (one query for its ids)."""
    from . import facets

    return facets.current().counts(queryset.order_by().values_list("pk", flat=True))

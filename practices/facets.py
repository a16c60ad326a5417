"""What every practice contributes to the facets and to "related practices", held in memory.

Counting facets with SQL means one grouped query per facet over the whole result set, which at
20,000 practices costs more than the search itself. Instead, each process keeps a `FacetIndex`:
for every practice, the positions of its facet values (kind, countries, regions, function areas,
decade, project status, language) and of the items, libraries and countries that make practices
related. Counting a result set is then one pass of numpy over its ids, and the related practices
of one practice a sparse product, whatever the filters.

The index is rebuilt (six queries) when the data version changes (any change recorded in the
change log, see core.cache) or when this process writes a practice or its links (signals below).
It covers every practice whatever its status, so counts are exact for any set of ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from scipy import sparse

from core.cache import data_version
from libraries.models import Country

from .choices import PracticeStatus
from .models import Practice
from .permissions import PUBLIC

FACETS = ("kind", "country", "region", "area", "period", "status", "language")
# How much one shared thing counts when relating two practices: a function item says most
# about what a practice is, then a library (same institution), then a country.
RELATED_WEIGHTS = {"item": 3.0, "library": 2.0, "country": 1.0}


@dataclass
class Facet:
    """Pairs (practice position, value position): a practice may have several values."""

    rows: np.ndarray
    codes: np.ndarray
    values: list

    def counts(self, chosen: np.ndarray) -> dict:
        hits = self.codes[chosen[self.rows]]
        totals = np.bincount(hits, minlength=len(self.values))
        return {self.values[i]: int(totals[i]) for i in np.flatnonzero(totals)}


@dataclass
class FacetIndex:
    ids: np.ndarray  # practice ids, sorted
    facets: dict[str, Facet]
    features: sparse.csr_matrix  # practices x (items, libraries, countries), weighted
    published: np.ndarray  # bool: may be shown as related (published, not archived)
    public: np.ndarray  # bool: listed (published or archived)
    recency: np.ndarray  # published_at as seconds, 0 when never published
    version: tuple = field(default=())

    def positions(self, ids) -> np.ndarray:
        """Positions in the index of the given ids (ids it does not hold are left out)."""
        wanted = np.fromiter(ids, dtype=np.int64)
        if not len(self.ids) or not len(wanted):
            return np.empty(0, dtype=np.int64)
        at = np.searchsorted(self.ids, wanted).clip(0, len(self.ids) - 1)
        return at[self.ids[at] == wanted]

    def counts(self, ids) -> dict[str, dict]:
        """For each facet, how many of the given practices have each value; a practice counts
        once per value (once per region, even with several countries there)."""
        chosen = np.zeros(len(self.ids), dtype=bool)
        chosen[self.positions(ids)] = True
        return {name: self.facets[name].counts(chosen) for name in FACETS}

    def public_only(self, ids: list[int]) -> list[int]:
        """The ids of listed (published or archived) practices among these, in their order."""
        if not ids or not len(self.ids):
            return []
        wanted = np.array(ids, dtype=np.int64)
        at = np.searchsorted(self.ids, wanted).clip(0, len(self.ids) - 1)
        return wanted[(self.ids[at] == wanted) & self.public[at]].tolist()

    def related(self, practice_id: int, limit: int) -> list[int]:
        """Ids of up to `limit` published practices sharing the most with this one (shared
        items weigh most, then libraries, then countries), newest first among equals."""
        at = self.positions([practice_id])
        if not len(at):
            return []
        scores = np.asarray((self.features @ self.features[at[0]].T).todense()).ravel()
        scores[at[0]] = 0
        scores[~self.published] = 0
        candidates = np.flatnonzero(scores > 0)
        # Highest score, then most recently published, then the newest record.
        order = np.lexsort((-self.ids[candidates], -self.recency[candidates], -scores[candidates]))
        return [int(self.ids[i]) for i in candidates[order[:limit]]]


def build() -> FacetIndex:
    practices = list(
        Practice.objects.order_by("pk").values_list(
            "pk",
            "status",
            "kind__slug",
            "language",
            "project_status",
            "start_year",
            "published_at",
        )
    )
    ids = np.array([p[0] for p in practices], dtype=np.int64)
    position = {pk: n for n, pk in enumerate(ids.tolist())}
    through = {
        "country": Practice.countries.through.objects.values_list("practice_id", "country_id"),
        "area": Practice.areas.through.objects.values_list("practice_id", "area__code"),
        "item": Practice.items.through.objects.values_list("practice_id", "item_id"),
        "library": Practice.libraries.through.objects.values_list("practice_id", "library_id"),
    }
    links = {
        name: [(position[p], v) for p, v in rows if p in position] for name, rows in through.items()
    }
    region_of = dict(Country.objects.values_list("pk", "region_id"))
    regions = {(p, region_of.get(c)) for p, c in links["country"] if region_of.get(c)}

    def single(column: int, convert=lambda v: v) -> list[tuple[int, object]]:
        pairs = ((n, convert(p[column])) for n, p in enumerate(practices))
        return [(n, v) for n, v in pairs if v not in (None, "")]

    facets = {
        "kind": _facet(single(2)),
        "country": _facet(links["country"]),
        "region": _facet(sorted(regions)),
        "area": _facet(links["area"]),
        "period": _facet(single(5, lambda year: None if year is None else year // 10 * 10)),
        "status": _facet(single(4)),
        "language": _facet(single(3)),
    }
    return FacetIndex(
        ids=ids,
        facets=facets,
        features=_features(len(ids), links),
        published=np.array([p[1] == PracticeStatus.PUBLISHED for p in practices], dtype=bool),
        public=np.array([p[1] in PUBLIC for p in practices], dtype=bool),
        recency=np.array([p[6].timestamp() if p[6] else 0.0 for p in practices], dtype=np.float64),
    )


def _facet(pairs: list[tuple[int, object]]) -> Facet:
    values = sorted({v for _n, v in pairs}, key=lambda v: (str(type(v)), v))
    code = {v: i for i, v in enumerate(values)}
    return Facet(
        rows=np.array([n for n, _v in pairs], dtype=np.int64),
        codes=np.array([code[v] for _n, v in pairs], dtype=np.int64),
        values=values,
    )


def _features(count: int, links: dict[str, list]) -> sparse.csr_matrix:
    rows, columns, weights, offset = [], [], [], 0
    for name, weight in RELATED_WEIGHTS.items():
        values = {v: i for i, v in enumerate(sorted({v for _p, v in links[name]}))}
        for p, v in links[name]:
            rows.append(p)
            columns.append(offset + values[v])
            weights.append(weight)
        offset += len(values)
    # Weights enter both sides of the product, so each is stored as its square root.
    matrix = sparse.coo_matrix(
        (np.sqrt(np.array(weights, dtype=np.float64)), (rows, columns)), shape=(count, offset)
    )
    return matrix.tocsr()


_state = {"index": None, "generation": 0}


def current() -> FacetIndex:
    """The index for the present data, built on first use after a change. One built inside a
    transaction is used but not kept: the transaction may still be rolled back."""
    version = (data_version(), _state["generation"])
    index = _state["index"]
    if index is not None and index.version == version:
        return index
    index = build()
    index.version = version
    if not connection.in_atomic_block:
        _state["index"] = index
    return index


def forget(**_signal) -> None:
    """This process wrote practices or their links: the next use rebuilds the index."""
    _state["generation"] += 1


def _forget_at_commit(**_signal) -> None:
    # Again at commit: another thread may have built the index between the write and it.
    forget()
    transaction.on_commit(forget)


def connect_signals() -> None:
    """Called once from the app's ready()."""
    throughs = [f.remote_field.through for f in Practice._meta.many_to_many]
    for model in (Practice, *throughs):
        post_save.connect(_forget_at_commit, sender=model, dispatch_uid=f"facets-save-{model}")
        post_delete.connect(_forget_at_commit, sender=model, dispatch_uid=f"facets-del-{model}")
    for through in throughs:
        m2m_changed.connect(_forget_at_commit, sender=through, dispatch_uid=f"facets-m2m-{through}")

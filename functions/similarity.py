"""Similarity, peers, clusters and positions of a round's published profiles, cached.

The computation itself is the pure `analysis` module; here we read the answers, turn them into
the variables it compares, and cache the result until a profile of the round is published,
sent back or edited after publication (the round's `results_version` changes then).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.core.cache import cache

from libraries.models import Library

from . import analysis, queries
from .choices import WEIGHT_FACTORS, AnswerType
from .models import Item, Round
from .values import for_analysis

DEFAULT_CLUSTERS = 5
MAX_CLUSTERS = 12
PEERS = 5
CACHE_SECONDS = 7 * 24 * 3600
RESULT_FORMAT = "2"  # raised when Result changes, so no process reads an older cached shape


@dataclass
class Result:
    """What the pages and the API show; the n×n matrices are dropped to keep the cache small."""

    round_id: int
    round_year: int
    areas: tuple[str, ...]
    clusters_wanted: int
    items: list[str]
    library_ids: list[int]
    excluded_ids: list[int]
    peers: dict[int, list[tuple[int, float, int]]]
    clusters: dict[int, int]
    coordinates: dict[int, tuple[float, float]]
    explained: tuple[float, float]
    linkage: object
    leaves: list[int]
    has_demo: bool
    seconds: float
    libraries: dict[int, dict] = field(default_factory=dict)

    def cluster_members(self) -> dict[int, list[int]]:
        members: dict[int, list[int]] = {}
        for library_id, cluster in self.clusters.items():
            members.setdefault(cluster, []).append(library_id)
        return dict(sorted(members.items()))


def variables(items: list[Item]) -> list[analysis.Variable]:
    chosen = []
    for item in items:
        if not item.in_similarity:
            continue
        if item.answer_type == AnswerType.MULTI:
            kind = "multi"
        elif item.is_numeric:
            kind = "numeric"
        else:
            kind = "categorical"
        chosen.append(
            analysis.Variable(
                code=item.code,
                kind=kind,
                weight=WEIGHT_FACTORS[item.area.weight],
                log=item.answer_type == AnswerType.NUMBER,
            )
        )
    return chosen


def similarity_items(round_: Round, areas: tuple[str, ...] = ()) -> list[Item]:
    items = [item for _area, group in queries.framework_areas(round_) for item in group]
    if areas:
        items = [item for item in items if item.area.code in areas]
    return [item for item in items if item.in_similarity]


def cache_key(round_: Round, areas: tuple[str, ...], clusters: int) -> str:
    return ":".join(
        [
            "positions",
            RESULT_FORMAT,
            str(round_.pk),
            str(round_.results_version),
            ",".join(areas),
            str(clusters),
        ]
    )


def positions(
    round_: Round,
    areas: tuple[str, ...] = (),
    clusters: int = DEFAULT_CLUSTERS,
    *,
    refresh_libraries: bool = True,
) -> Result:
    """The cached result for the round, areas and number of clusters; computed when missing."""
    areas = tuple(sorted(areas))
    clusters = max(2, min(MAX_CLUSTERS, clusters))
    key = cache_key(round_, areas, clusters)
    result = cache.get(key)
    if result is None:
        result = compute(round_, areas, clusters)
        cache.set(key, result, CACHE_SECONDS)
    elif refresh_libraries:
        refresh_library_info(result, result.library_ids + result.excluded_ids)
    return result


def refresh_library_info(result: Result, ids: list[int]) -> None:
    """Names, countries and regions as they are now (one query): a library renamed or moved
    since the computation shows its current name; its answers did not change."""
    libraries = Library.objects.filter(pk__in=ids).select_related("country__region")
    for library in libraries:
        demo = result.libraries.get(library.pk, {}).get("is_demo", False)
        result.libraries[library.pk] = _library_info(library, demo)


def compute(round_: Round, areas: tuple[str, ...], clusters: int) -> Result:
    started = time.perf_counter()
    items = similarity_items(round_, areas)
    kinds = {item.code: item.answer_type for item in items}
    data = queries.round_answers(round_)
    rows = {
        str(library_id): {
            code: for_analysis(kinds[code], value)
            for code, value in answers.items()
            if code in kinds
        }
        for library_id, answers in data.values.items()
    }
    found = analysis.analyse(rows, variables(items), clusters=clusters, peers=PEERS)
    libraries = {p.library_id: _library_info(p.library, p.is_demo) for p in data.profiles}
    return Result(
        round_id=round_.pk,
        round_year=round_.year,
        areas=areas,
        clusters_wanted=clusters,
        items=[item.code for item in items],
        library_ids=[int(k) for k in found.keys],
        excluded_ids=[int(k) for k in found.excluded],
        peers={
            int(k): [(int(p.key), float(p.distance), int(p.compared)) for p in peers]
            for k, peers in found.peers.items()
        },
        clusters={int(k): int(v) for k, v in found.clusters.items()},
        coordinates={int(k): (float(x), float(y)) for k, (x, y) in found.coordinates.items()},
        explained=tuple(float(e) for e in found.explained),
        linkage=found.linkage,
        leaves=[int(k) for k in found.leaves],
        has_demo=data.has_demo,
        seconds=time.perf_counter() - started,
        libraries=libraries,
    )


def _library_info(library: Library, is_demo: bool) -> dict:
    region = library.country.region
    return {
        "slug": library.slug,
        "name": library.name,
        "country": library.country.name,
        "iso2": library.country_id,
        "region_code": region.code if region else "",
        "region": region.name if region else "",
        "is_demo": is_demo,
        "url": library.get_absolute_url(),
    }


def peers_of(
    library: Library, round_: Round | None
) -> tuple[Result, list[tuple[dict, float, int]], int | None] | None:
    """The library's nearest peers and cluster in the round (None when not analysed)."""
    if round_ is None:
        return None
    result = positions(round_, refresh_libraries=False)
    if library.pk not in result.clusters:
        return None
    refresh_library_info(result, [pk for pk, _d, _n in result.peers[library.pk]])
    peers = [(result.libraries[pk], distance, n) for pk, distance, n in result.peers[library.pk]]
    return result, peers, result.clusters[library.pk]

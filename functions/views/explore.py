"""Public pages: the framework, one item with its map, comparison, positions, legal deposit,
participation. Every table can be downloaded as CSV and JSON."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from libraries.export import csv_response, json_response
from libraries.models import Library

from .. import charts, maps, queries, similarity
from ..choices import ProfileStatus
from ..models import FrameworkEdition, Item
from ..permissions import can_edit_framework, can_manage_rounds

DATA_LICENCE = "CC0 1.0"
MIN_COMPARE, MAX_COMPARE = 2, 8
LEGAL_DEPOSIT_ITEMS = ("F01.1", "F01.4", "F01.5", "F01.6", "F01.2")


def _meta(request, round_, demo: bool) -> dict:
    return {
        "licence": DATA_LICENCE,
        "source": settings.SITE_URL + request.path,
        "round": round_.name if round_ else None,
        "demo_data": demo,
    }


def _download(request, fmt, rows, columns, name, round_, demo: bool | None = None):
    """CSV or JSON of the rows; `demo` says whether they include demo answers (default: any
    demo profile in the round, for tables that cover the whole round)."""
    if fmt == "csv":
        return csv_response(rows, columns, name)
    if fmt == "json":
        if demo is None:
            demo = queries.demo_in(round_)
        return json_response(rows, name, _meta(request, round_, demo))
    raise Http404


# The framework ------------------------------------------------------------------------------


def framework(request, fmt: str | None = None):
    edition = None
    if request.GET.get("edition"):
        edition = get_object_or_404(FrameworkEdition, code=request.GET["edition"])
    round_ = queries.chosen_round(request.GET.get("round"))
    areas = queries.framework_areas(round_ if edition is None else None)
    if edition is not None:
        asked = set(edition.item_codes())
        areas = [(a, [i for i in items if i.code in asked]) for a, items in areas]
    counts = queries.answer_counts(round_)
    published = queries.published_profiles(round_).count() if round_ else 0
    if fmt:
        rows = [
            {
                "area": area.code,
                "area_name": area.name,
                "weight": area.weight,
                "item": item.code,
                "question": item.text,
                "type": item.answer_type,
                "options": ";".join(item.options),
                "unit": item.unit,
                "answered": counts.get(item.pk, 0),
                "retired": item.retired,
            }
            for area, items in areas
            for item in items
        ]
        columns = list(rows[0]) if rows else ["item"]
        return _download(request, fmt, rows, columns, "function-framework", round_)
    return render(
        request,
        "functions/framework.html",
        {
            "areas": [(a, [(i, counts.get(i.pk, 0)) for i in items]) for a, items in areas],
            "round": round_,
            "rounds": queries.rounds(),
            "editions": FrameworkEdition.objects.all(),
            "edition": edition,
            "published": published,
            "demo": queries.demo_in(round_),
            "can_edit": can_edit_framework(request.user),
            "can_manage_rounds": can_manage_rounds(request.user),
        },
    )


def item_detail(request, code: str, fmt: str | None = None):
    item = get_object_or_404(Item.objects.select_related("area"), code=code)
    round_ = queries.chosen_round(request.GET.get("round"))
    answers = queries.item_answers(round_, item) if round_ else []
    for answer in answers:
        answer.label = item.value_label(answer.value)
    if fmt:
        rows = [
            {
                "library": a.library.slug,
                "library_name": a.library.name,
                "country_iso2": a.library.country_id,
                "country": a.library.country.name,
                "value": a.value,
                "label": item.value_label(a.value),
                "since": a.since or "",
                "note": a.note,
                "source_url": a.source_url,
                "demo": "yes" if a.is_demo else "no",
            }
            for a in answers
        ]
        columns = [
            "library",
            "library_name",
            "country_iso2",
            "country",
            "value",
            "label",
            "since",
            "note",
            "source_url",
            "demo",
        ]
        demo = any(a.is_demo for a in answers)
        return _download(request, fmt, rows, columns, f"item-{item.code}", round_, demo)
    item_map = maps.item_map(
        item,
        answers,
        option=request.GET.get("option"),
        per_capita=request.GET.get("per_capita") == "1",
    )
    return render(
        request,
        "functions/item_detail.html",
        {
            "item": item,
            "round": round_,
            "rounds": queries.rounds(),
            "answers": answers,
            "map": item_map,
            "options": maps.map_options(item),
            "counts": [
                (item.value_label(value), n)
                for value, n in queries.value_counts(answers, item).most_common()
            ],
            "demo": any(a.is_demo for a in answers),
            "can_edit": can_edit_framework(request.user),
        },
    )


# Comparison ---------------------------------------------------------------------------------


def _compare_libraries(request) -> tuple[list[Library], list[str]]:
    slugs = [s.strip() for s in request.GET.get("libraries", "").split(",") if s.strip()]
    slugs = list(dict.fromkeys(slugs))
    errors = []
    if len(slugs) < MIN_COMPARE:
        errors.append(_("Choose at least two libraries to compare."))
    if len(slugs) > MAX_COMPARE:
        errors.append(_("Compare at most eight libraries at a time."))
    found = {
        lib.slug: lib for lib in Library.objects.filter(slug__in=slugs).select_related("country")
    }
    unknown = [s for s in slugs if s not in found]
    if unknown:
        errors.append(_("No library with the address: %(slugs)s.") % {"slugs": ", ".join(unknown)})
    return [found[s] for s in slugs if s in found], errors


def compare(request, fmt: str | None = None):
    libraries, errors = _compare_libraries(request)
    round_ = queries.chosen_round(request.GET.get("round"))
    only_differ = request.GET.get("differ") == "1"
    table = []
    data = None
    if not errors and round_:
        data = queries.round_answers(round_, libraries)
        table = _comparison(round_, libraries, data, only_differ)
    if fmt:
        if errors:
            return HttpResponseBadRequest(" ".join(errors), content_type="text/plain")
        rows = [
            {
                "item": item.code,
                "question": item.text,
                **{lib.slug: v for lib, v in zip(libraries, values, strict=True)},
                "differ": "yes" if differ else "no",
            }
            for _area, item_rows in table
            for item, values, differ in item_rows
        ]
        columns = ["item", "question", *[lib.slug for lib in libraries], "differ"]
        demo = bool(data and data.has_demo)
        return _download(request, fmt, rows, columns, "comparison", round_, demo)
    status = 400 if errors and request.GET.get("libraries") else 200
    profiled = {p.library_id for p in data.profiles} if data else set()
    return render(
        request,
        "functions/compare.html",
        {
            "libraries": libraries,
            "errors": errors,
            "round": round_,
            "rounds": queries.rounds(),
            "table": table,
            "only_differ": only_differ,
            "without_profile": [lib for lib in libraries if lib.pk not in profiled],
            "demo": bool(data and data.has_demo),
            "all_libraries": Library.objects.only("slug", "name").order_by("name"),
            "selected": {lib.slug for lib in libraries},
        },
        status=status,
    )


def _comparison(round_, libraries, data, only_differ):
    """[(area, [(item, [label per library], differ)])]: differences among given answers."""
    table = []
    for area, items in queries.framework_areas(round_):
        rows = []
        for item in items:
            raw = [data.values.get(lib.pk, {}).get(item.code, "") for lib in libraries]
            differ = len(set(raw)) > 1
            if only_differ and not differ:
                continue
            rows.append((item, [item.value_label(v) for v in raw], differ))
        if rows:
            table.append((area, rows))
    return table


# Positions ----------------------------------------------------------------------------------


def _chosen_areas(request, round_) -> tuple[str, ...]:
    known = {area.code for area, _items in queries.framework_areas(round_)}
    return tuple(a for a in request.GET.getlist("area") if a in known)


def _clusters(request) -> int:
    try:
        return int(request.GET.get("clusters", similarity.DEFAULT_CLUSTERS))
    except ValueError:
        return similarity.DEFAULT_CLUSTERS


def positions(request, fmt: str | None = None):
    round_ = queries.chosen_round(request.GET.get("round"))
    if round_ is None:
        return render(request, "functions/positions.html", {"round": None})
    areas = _chosen_areas(request, round_)
    result = similarity.positions(round_, areas, _clusters(request))
    rows = _position_rows(result)
    if fmt:
        columns = [
            "library",
            "library_name",
            "country_iso2",
            "region",
            "cluster",
            "x",
            "y",
            "peers",
            "demo",
        ]
        return _download(request, fmt, rows, columns, "positions", round_, result.has_demo)
    colour = "cluster" if request.GET.get("colour") == "cluster" else "region"
    return render(
        request,
        "functions/positions.html",
        {
            "round": round_,
            "rounds": queries.rounds(),
            "areas": queries.framework_areas(round_),
            "chosen_areas": areas,
            "result": result,
            "rows": rows,
            "colour": colour,
            "scatter": _scatter(result, colour),
            "groups": _groups(result, colour),
            "dendrogram": _dendrogram(result),
            "clusters": result.cluster_members(),
            "cluster_choices": range(2, similarity.MAX_CLUSTERS + 1),
            "demo": result.has_demo,
        },
    )


def _position_rows(result) -> list[dict]:
    rows = []
    for pk in result.library_ids:
        info = result.libraries[pk]
        x, y = result.coordinates.get(pk, (None, None))
        rows.append(
            {
                "library": info["slug"],
                "library_name": info["name"],
                "country_iso2": info["iso2"],
                "region": info["region"],
                "cluster": result.clusters.get(pk),
                "x": round(x, 4) if x is not None else "",
                "y": round(y, 4) if y is not None else "",
                "peers": ";".join(
                    result.libraries[p]["slug"] for p, _d, _n in result.peers.get(pk, [])
                ),
                "demo": "yes" if info["is_demo"] else "no",
                "url": info["url"],
                "peer_list": [
                    (result.libraries[p], round((1 - d) * 100), n)
                    for p, d, n in result.peers.get(pk, [])
                ],
            }
        )
    return rows


def _group(info: dict, result, pk: int, colour: str) -> str:
    if colour == "cluster":
        return _("Cluster %(n)s") % {"n": result.clusters[pk]}
    return info["region"] or _("no region")


def _scatter(result, colour: str) -> str:
    points = [
        charts.Point(
            key=info["slug"],
            label=f"{info['name']} ({info['country']})",
            x=result.coordinates[pk][0],
            y=result.coordinates[pk][1],
            group=_group(info, result, pk, colour),
            url=reverse("functions:profile", args=[info["slug"], result.round_year]),
        )
        for pk in result.library_ids
        if pk in result.coordinates
        for info in [result.libraries[pk]]
    ]
    return charts.scatter_plot(
        points,
        title=_("Positions of national libraries"),
        desc=_("Each dot is a library; libraries with similar answers are close together."),
        x_label=_("first axis"),
        y_label=_("second axis"),
        empty=_("No data"),
    )


def _groups(result, colour: str) -> list[tuple[str, str]]:
    names = sorted({_group(result.libraries[pk], result, pk, colour) for pk in result.library_ids})
    return [(charts.group_class(name), name) for name in names]


def _dendrogram(result) -> str:
    if len(result.library_ids) < 2:
        return ""
    return charts.dendrogram(
        [str(pk) for pk in result.library_ids],
        {str(pk): result.libraries[pk]["name"] for pk in result.library_ids},
        result.linkage,
        {str(pk): c for pk, c in result.clusters.items()},
        title=_("Clusters of national libraries"),
        desc=_("Libraries joined lower in the tree answered more alike."),
        empty=_("No data"),
    )


# Legal deposit and participation ------------------------------------------------------------


def legal_deposit(request, fmt: str | None = None):
    round_ = queries.chosen_round(request.GET.get("round"))
    items = {
        i.code: i for i in Item.objects.filter(code__in=LEGAL_DEPOSIT_ITEMS).select_related("area")
    }
    shown = request.GET.get("item", "F01.1")
    if shown not in items:
        shown = "F01.1"
    data = queries.round_answers(round_) if round_ else None
    rows = []
    for profile in data.profiles if data else []:
        values = data.values.get(profile.library_id, {})
        rows.append(
            {
                "library": profile.library,
                "demo": profile.is_demo,
                "answers": [
                    (code, items[code].value_label(values.get(code, "")))
                    for code in LEGAL_DEPOSIT_ITEMS
                    if code in items
                ],
                "raw": {code: values.get(code, "") for code in LEGAL_DEPOSIT_ITEMS},
            }
        )
    if fmt:
        flat = [
            {
                "library": r["library"].slug,
                "library_name": r["library"].name,
                "country_iso2": r["library"].country_id,
                **r["raw"],
                "demo": "yes" if r["demo"] else "no",
            }
            for r in rows
        ]
        return _download(
            request,
            fmt,
            flat,
            ["library", "library_name", "country_iso2", *LEGAL_DEPOSIT_ITEMS, "demo"],
            "legal-deposit",
            round_,
            bool(data and data.has_demo),
        )
    item = items.get(shown)
    answers = queries.item_answers(round_, item) if round_ and item else []
    return render(
        request,
        "functions/legal_deposit.html",
        {
            "round": round_,
            "rounds": queries.rounds(),
            "items": [items[c] for c in LEGAL_DEPOSIT_ITEMS if c in items],
            "item": item,
            "map": maps.item_map(item, answers, id_prefix="ld-map") if item else None,
            "rows": rows,
            "summary": _legal_deposit_summary(items, rows),
            "demo": bool(data and data.has_demo),
        },
    )


def _legal_deposit_summary(items, rows) -> list[tuple[Item, list[tuple[str, int]]]]:
    summary = []
    for code in ("F01.1", "F01.4", "F01.5"):
        if code not in items:
            continue
        counts: dict[str, int] = {}
        for row in rows:
            label = items[code].value_label(row["raw"].get(code, ""))
            counts[label] = counts.get(label, 0) + 1
        summary.append((items[code], sorted(counts.items(), key=lambda kv: -kv[1])))
    return summary


def participation(request, fmt: str | None = None):
    round_ = queries.chosen_round(request.GET.get("round"))
    profiles = list(queries.participation(round_)) if round_ else []
    total = len(round_.edition.item_codes()) if round_ else 0
    if fmt:
        rows = [
            {
                "library": p.library.slug,
                "library_name": p.library.name,
                "country_iso2": p.library.country_id,
                "status": p.status,
                "answered": p.answered,
                "items": total,
                "completeness": round(p.answered / total, 3) if total else 0,
                "demo": "yes" if p.is_demo else "no",
            }
            for p in profiles
            if p.status == ProfileStatus.PUBLISHED
        ]
        columns = [
            "library",
            "library_name",
            "country_iso2",
            "status",
            "answered",
            "items",
            "completeness",
            "demo",
        ]
        return _download(request, fmt, rows, columns, "participation", round_)
    published = [p for p in profiles if p.status == ProfileStatus.PUBLISHED]
    from libraries.worldmap import render_world_map

    fills = {p.library.country_id: "cat-0" for p in published}
    svg = render_world_map(
        fills=fills,
        titles={
            p.library.country_id: f"{p.library.country.name}: {p.answered}/{total}"
            for p in published
        },
        svg_title=_("Countries with a published profile"),
        svg_desc=_("%(n)s countries have a published profile in this round.") % {"n": len(fills)},
        id_prefix="participation-map",
    )
    from django.utils.safestring import mark_safe

    return render(
        request,
        "functions/participation.html",
        {
            "round": round_,
            "rounds": queries.rounds(),
            "published": published,
            "counts": queries.status_counts(round_) if round_ else {},
            "total": total,
            "map_svg": mark_safe(svg),  # noqa: S308 - built from escaped parts
            "demo": any(p.is_demo for p in published),
        },
    )

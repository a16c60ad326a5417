"""Data for the server-rendered world maps: which class each country gets, legend and table.

The geometry is drawn by the pure module `worldmap`; here we only decide colours from the
database, in a fixed number of queries whatever the number of libraries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.cache import cached_fragment

from .choices import MembershipStatus, RegionLevel
from .models import Library, Membership, Organisation, Region
from .worldmap import Marker, render_world_map

COLOURINGS = ("region", "organisation")


@dataclass
class LegendEntry:
    css_class: str
    label: str
    count: int


@dataclass
class MapRow:
    library: Library
    css_class: str
    label: str


def _libraries():
    return Library.objects.select_related("country__region").only(
        "slug",
        "name",
        "latitude",
        "longitude",
        "country__iso2",
        "country__name",
        "country__region__code",
        "country__region__name",
    )


def libraries_map(
    request,
    colour: str = "region",
    organisation: Organisation | None = None,
    id_prefix: str = "map",
) -> dict:
    """Context for a map of all libraries, coloured by region or by one organisation."""
    libraries = list(_libraries())
    if colour == "organisation" and organisation is not None:
        rows = _by_membership(libraries, organisation)
        title = _("National libraries in %(org)s") % {"org": organisation.code}
    else:
        rows = _by_region(libraries)
        title = _("National libraries of the world by region")
    fills = {row.library.country.iso2: row.css_class for row in rows}
    titles = _titles(rows)
    markers = [
        Marker(lat=lib.latitude, lon=lib.longitude, label=lib.name, css_class="marker")
        for lib in libraries
        if lib.has_coordinates
    ]
    legend = _legend(rows)
    desc = "; ".join(f"{e.label}: {e.count}" for e in legend)
    svg = render_world_map(
        fills=fills,
        titles=titles,
        markers=markers,
        svg_title=title,
        svg_desc=desc,
        id_prefix=id_prefix,
    )
    return {
        "map_svg": mark_safe(svg),
        "legend": legend,
        "map_rows": rows,  # noqa: S308
        "map_title": title,
    }


def libraries_map_html(
    request, colour: str = "region", organisation: Organisation | None = None
) -> str:
    """The map with its legend and table as HTML, cached until the data changes."""
    slug = organisation.slug if organisation else ""

    def build() -> str:
        context = libraries_map(request, colour=colour, organisation=organisation)
        return render_to_string("core/_map.html", context)

    return mark_safe(cached_fragment(request, "libraries-map", (colour, slug), build))  # noqa: S308


def library_map(library: Library) -> str:
    """A map showing one library's country and place."""
    markers = []
    if library.has_coordinates:
        markers.append(
            Marker(
                lat=library.latitude,
                lon=library.longitude,
                label=library.name,
                css_class="marker marker-current",
            )
        )
    title = _("Where %(name)s is") % {"name": library.name}
    desc = ", ".join(filter(None, [library.city, library.country.name]))
    svg = render_world_map(
        fills={library.country_id: "fill-current"},
        titles={},
        markers=markers,
        svg_title=title,
        svg_desc=desc,
        highlight=library.country_id,
        id_prefix="place",
    )
    return mark_safe(svg)  # noqa: S308 - built from escaped parts by worldmap


def _by_region(libraries: list[Library]) -> list[MapRow]:
    regions = {r.code: r for r in Region.objects.filter(level=RegionLevel.REGION)}
    rows = []
    for lib in libraries:
        region = lib.country.region
        code = region.code if region else "none"
        label = regions[code].name if code in regions else _("No region")
        rows.append(MapRow(lib, f"region-{code}", label))
    return rows


def _by_membership(libraries: list[Library], organisation: Organisation) -> list[MapRow]:
    statuses = dict(
        Membership.objects.filter(organisation=organisation).values_list("library_id", "status")
    )
    labels = {
        MembershipStatus.CONFIRMED: _("member (confirmed)"),
        MembershipStatus.INFERRED: _("member (inferred, not confirmed)"),
    }
    rows = []
    for lib in libraries:
        status = statuses.get(lib.pk)
        if status:
            rows.append(MapRow(lib, f"member-{status}", str(labels[status])))
        else:
            rows.append(MapRow(lib, "member-none", _("not a member")))
    return rows


def _titles(rows: list[MapRow]) -> dict[str, str]:
    by_country: dict[str, list[str]] = {}
    for row in rows:
        by_country.setdefault(row.library.country.iso2, []).append(row.library.name)
    names = {row.library.country.iso2: row.library.country.name for row in rows}
    labels = {row.library.country.iso2: row.label for row in rows}
    return {
        iso: f"{names[iso]} — {labels[iso]}: {', '.join(libs)}" for iso, libs in by_country.items()
    }


def _legend(rows: list[MapRow]) -> list[LegendEntry]:
    counts = Counter((row.css_class, row.label) for row in rows)
    return sorted(
        (LegendEntry(css, label, n) for (css, label), n in counts.items()),
        key=lambda e: (e.css_class.endswith("none"), e.label),
    )

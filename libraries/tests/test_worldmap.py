"""Tests of the SVG world map: projection, data coverage and rendered markup.

Plain functions only (no database): ``libraries.worldmap`` does not import Django.
"""

from __future__ import annotations

import csv
import gzip
import math
import re
import xml.etree.ElementTree as ET  # noqa: S405  (parses our own output, not user input)
from pathlib import Path

import pytest

from libraries.worldmap import (
    MAP_HEIGHT,
    MAP_WIDTH,
    SMALL_AREA,
    SOUTH_LIMIT,
    Marker,
    country_names,
    has_shape,
    load_world,
    project,
    render_world_map,
)

SEED = Path(__file__).resolve().parents[2] / "data" / "seed" / "national_libraries.csv"
SVG = "{http://www.w3.org/2000/svg}"

# Seed countries that the Natural Earth 1:50m data has no shape for. None today: every
# code in the seed, Kosovo (XK) included, is keyed in world.json.
MISSING_FROM_50M: frozenset[str] = frozenset()


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def seed_codes() -> set[str]:
    return {row["country_iso2"] for row in seed_rows()}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314  (our own markup)


def rings(d: str) -> list[list[tuple[float, float]]]:
    """Decode the map's path data (M x y, relative l pairs, z) into absolute rings."""
    out: list[list[tuple[float, float]]] = []
    command = ""
    numbers: list[float] = []
    for token in re.findall(r"[MlLz]|-?(?:\d+\.?\d*|\.\d+)", d):
        if token.isalpha():
            command = token
            if token == "z":
                out[-1].append(out[-1][0])
            continue
        numbers.append(float(token))
        if len(numbers) == 2:
            x, y = numbers
            numbers = []
            if command == "M":
                out.append([(x, y)])
                command = "l"  # implicit lines after a move
            else:
                px, py = out[-1][-1]
                out[-1].append((px + x, py + y))
    return out


def contains(polygon_rings: list[list[tuple[float, float]]], x: float, y: float) -> bool:
    """Even-odd point-in-polygon over all rings of a country."""
    inside = False
    for ring in polygon_rings:
        for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
    return inside


def distance(polygon_rings: list[list[tuple[float, float]]], x: float, y: float) -> float:
    """Distance from a point to the nearest edge of the country's outline."""
    best = math.inf
    for ring in polygon_rings:
        for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
            dx, dy = x1 - x0, y1 - y0
            t = ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy) if dx or dy else 0.0
            t = max(0.0, min(1.0, t))
            best = min(best, math.hypot(x - x0 - t * dx, y - y0 - t * dy))
    return best


def cell_area(lat: float, lon: float, size: float = 1.0, steps: int = 10) -> float:
    """Projected area of a lat/lon cell centred on (lat, lon), edges densified."""
    south, north = lat - size / 2, lat + size / 2
    west, east = lon - size / 2, lon + size / 2
    fractions = [i / steps for i in range(steps)]
    outline = (
        [(south, west + f * size) for f in fractions]
        + [(south + f * size, east) for f in fractions]
        + [(north, east - f * size) for f in fractions]
        + [(north - f * size, west) for f in fractions]
    )
    points = [project(la, lo) for la, lo in outline]
    pairs = zip(points, points[1:] + points[:1], strict=True)
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs)) / 2


def full_map() -> str:
    """The map as a page would show it: every seed country filled, every library marked."""
    rows = seed_rows()
    fills = {code: f"fill-{i % 5 + 1}" for i, code in enumerate(sorted(seed_codes()))}
    markers = [Marker(float(r["lat"]), float(r["lon"]), r["name"], href="/l/1/") for r in rows]
    return render_world_map(
        fills=fills,
        titles={},
        markers=markers,
        svg_title="National libraries of the world",
        svg_desc="Countries coloured by number of national libraries.",
    )


# --- Projection -----------------------------------------------------------------------


def test_origin_is_at_the_horizontal_centre() -> None:
    x, y = project(0.0, 0.0)
    assert x == pytest.approx(MAP_WIDTH / 2)
    assert 0 < y < MAP_HEIGHT


def test_north_is_up_and_east_is_right() -> None:
    assert project(60.0, 10.0)[1] < project(10.0, 10.0)[1] < project(-40.0, 10.0)[1]
    assert project(10.0, -70.0)[0] < project(10.0, 0.0)[0] < project(10.0, 120.0)[0]


@pytest.mark.parametrize("lat", [30.0, 60.0, 75.0])
def test_projection_is_equal_area(lat: float) -> None:
    # On the sphere, a 1°×1° cell centred on latitude φ has cos(φ) times the area of the
    # same cell on the equator; an equal-area projection keeps that ratio.
    ratio = cell_area(lat, 20.0) / cell_area(0.0, 20.0)
    assert ratio == pytest.approx(math.cos(math.radians(lat)), rel=0.01)
    # ...and the area does not depend on longitude.
    assert cell_area(lat, 170.0) == pytest.approx(cell_area(lat, 20.0), rel=0.01)


def test_projection_fit_matches_the_map_data() -> None:
    world = load_world()
    assert world.projection == "Equal Earth"
    assert (world.width, world.height) == (MAP_WIDTH, MAP_HEIGHT)
    west, _ = project(0.0, -180.0)
    east, _ = project(0.0, 180.0)
    assert 0 < west < 5 and MAP_WIDTH - 5 < east < MAP_WIDTH
    assert 0 < project(90.0, 0.0)[1] < project(SOUTH_LIMIT, 0.0)[1] < MAP_HEIGHT


# --- Map data -------------------------------------------------------------------------


def test_every_seed_country_can_be_drawn() -> None:
    codes = seed_codes() - MISSING_FROM_50M
    assert codes, "the seed file should list countries"
    world = load_world()
    missing = sorted(c for c in codes if not has_shape(c))
    assert missing == []
    for code in codes:
        country = world.by_iso[code]
        assert country.d.startswith("M"), code
        if country.area < SMALL_AREA:  # drawn as a dot: the dot must be on the map
            x, y = country.centroid
            assert 0 < x < MAP_WIDTH and 0 < y < MAP_HEIGHT, code


def test_kosovo_uses_the_user_assigned_code() -> None:
    country = load_world().by_iso["XK"]
    assert (country.iso3, country.name) == ("XKX", "Kosovo")
    assert country_names()["XK"] == "Kosovo"


def test_codes_are_unique_and_names_readable() -> None:
    world = load_world()
    codes = [c.iso2 for c in world.countries if c.iso2]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in codes)
    names = country_names()
    assert names["FR"] == "France" and names["CD"] == "Democratic Republic of the Congo"
    assert not has_shape("AQ"), "Antarctica is cropped out of the map"


def test_areas_are_in_proportion_to_real_areas() -> None:
    # Real areas: Russia 17.1 M km², Brazil 8.5 M km², Egypt 1.0 M km². Natural Earth's
    # 1:50m outlines are within a few percent of the official figures.
    world = load_world().by_iso
    assert world["RU"].area / world["BR"].area == pytest.approx(17.1 / 8.5, rel=0.05)
    assert world["BR"].area / world["EG"].area == pytest.approx(8.5 / 1.0, rel=0.05)


def test_library_locations_fall_in_their_country() -> None:
    world = load_world().by_iso
    misplaced = []
    for row in seed_rows():
        x, y = project(float(row["lat"]), float(row["lon"]))
        shape = rings(world[row["country_iso2"]].d)
        # Coastal capitals may sit just off a simplified coastline: allow 1.5 units.
        if not contains(shape, x, y) and distance(shape, x, y) > 1.5:
            misplaced.append(f"{row['name']} ({row['country_iso2']})")
    assert misplaced == []


# --- Rendering ------------------------------------------------------------------------


def test_rendered_map_is_well_formed_and_labelled() -> None:
    svg = render_world_map(
        fills={"FR": "fill-2"},
        titles={},
        svg_title="Libraries & archives",
        svg_desc="A map",
        id_prefix="home-map",
    )
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("class") == "world-map"
    assert root.get("aria-labelledby") == "home-map-title home-map-desc"
    assert root.get("viewBox") == f"0 0 {MAP_WIDTH:g} {MAP_HEIGHT:g}"
    assert root.find(f"{SVG}title").get("id") == "home-map-title"
    assert root.find(f"{SVG}title").text == "Libraries & archives"
    assert root.find(f"{SVG}desc").get("id") == "home-map-desc"
    assert root.find(f"{SVG}path").get("class") == "sphere"


def test_fills_are_css_classes_and_other_countries_have_no_data() -> None:
    root = parse(
        render_world_map(fills={"FR": "fill-2", "JP": "fill-5"}, svg_title="t", svg_desc="d")
    )
    paths = {p.get("data-iso"): p for p in root.iter(f"{SVG}path") if p.get("data-iso")}
    assert paths["FR"].get("class") == "country fill-2"
    assert paths["JP"].get("class") == "country fill-5"
    assert paths["DE"].get("class") == "country no-data"
    assert paths["DE"].find(f"{SVG}title").text == "Germany"
    # Colours come from the page's CSS only.
    for element in root.iter():
        assert element.get("fill") is None and element.get("style") is None
    # Disputed areas without an ISO code are drawn, never filled, and carry no code.
    disputed = [p for p in root.iter(f"{SVG}path") if "no-iso" in (p.get("class") or "")]
    assert {p.find(f"{SVG}title").text for p in disputed} >= {"Somaliland", "Northern Cyprus"}


def test_tooltips_are_escaped() -> None:
    svg = render_world_map(
        fills={"DE": "fill-1"},
        titles={"DE": '<script>alert("x")</script> & co'},
        markers=[Marker(52.5, 13.4, "<script>bad()</script>", css_class='marker" onclick="x')],
        svg_title="<b>title</b>",
        svg_desc="desc",
    )
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    germany = next(p for p in root.iter(f"{SVG}path") if p.get("data-iso") == "DE")
    assert germany.find(f"{SVG}title").text == '<script>alert("x")</script> & co'
    marker = root.find(f".//{SVG}g[@class='markers']/{SVG}circle")
    assert marker.get("onclick") is None


def test_small_states_get_a_dot_in_their_colour() -> None:
    root = parse(
        render_world_map(fills={"SG": "fill-3", "MT": "fill-1"}, svg_title="t", svg_desc="d")
    )
    dots = {c.get("data-iso"): c for c in root.iter(f"{SVG}circle") if c.get("data-iso")}
    assert dots["SG"].get("class") == "small-state fill-3"
    assert dots["MT"].get("class") == "small-state fill-1"
    x, y = load_world().by_iso["SG"].centroid
    assert float(dots["SG"].get("cx")) == pytest.approx(x, abs=0.05)
    assert float(dots["SG"].get("cy")) == pytest.approx(y, abs=0.05)
    # Large countries, and small ones without data, get no dot.
    assert "FR" not in dots and "MC" not in dots


def test_highlight_is_drawn_last_with_its_class() -> None:
    root = parse(
        render_world_map(fills={"BE": "fill-1"}, svg_title="t", svg_desc="d", highlight="BE")
    )
    countries = root.find(f"{SVG}g[@class='countries']")
    assert countries[-1].get("data-iso") == "BE"
    assert countries[-1].get("class") == "country fill-1 highlight"


def test_markers_are_drawn_on_top_without_links() -> None:
    svg = render_world_map(
        fills={},
        markers=[Marker(48.85, 2.35, "BnF", href="/libraries/bnf/", css_class="marker big")],
        svg_title="t",
        svg_desc="d",
    )
    root = parse(svg)
    assert root[-1].get("class") == "markers"
    (marker,) = list(root[-1])
    assert marker.get("class") == "marker big"
    assert marker.find(f"{SVG}title").text == "BnF"
    x, y = project(48.85, 2.35)
    assert (float(marker.get("cx")), float(marker.get("cy"))) == pytest.approx((x, y), abs=0.05)
    assert not list(root.iter(f"{SVG}a")), "the SVG is role=img: links live in the page's table"


def test_full_map_stays_within_its_size_budget() -> None:
    svg = full_map().encode()
    assert b"\n" not in svg
    assert len(svg) < 300_000
    assert len(gzip.compress(svg)) < 100_000

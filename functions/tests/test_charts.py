"""The SVG charts: well-formed, labelled for assistive technology and compatible with the CSP."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist

from functions.charts import (
    LABEL_CHARS,
    MAX_LABELLED_LEAVES,
    Point,
    coverage_bars,
    dendrogram,
    group_class,
    groups_of,
    number,
    scatter_plot,
    truncate,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'Bibliothèque <script>alert("x")</script> & "Co"'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well-formed


def assert_accessible_and_csp_safe(svg: str, id_prefix: str) -> ET.Element:
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    # Links inside an image would be hidden from screen readers: a chart with links is a group.
    has_links = root.find(f".//{SVG}a") is not None
    assert root.get("role") == ("group" if has_links else "img")
    assert root.get("aria-labelledby") == f"{id_prefix}-title {id_prefix}-desc"
    assert root.find(f"{SVG}title").get("id") == f"{id_prefix}-title"
    assert root.find(f"{SVG}desc").get("id") == f"{id_prefix}-desc"
    assert root.get("viewBox")
    assert root.get("width") is None and root.get("height") is None
    assert "style=" not in svg
    assert "<script" not in svg
    assert not re.search(r"\son[a-z]+=", svg)  # no inline event handlers
    return root


def classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def find_all(root: ET.Element, tag: str, css: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if css in classes(e)]


# Helpers ----------------------------------------------------------------------------------


def test_numbers_are_compact_with_at_most_one_decimal():
    assert [number(v) for v in (3.0, 2.25, -0.04, 66.666, 1e-9, float("nan"))] == [
        "3",
        "2.2",
        "0",
        "66.7",
        "0",
        "0",
    ]


def test_long_labels_are_cut_with_an_ellipsis():
    assert truncate("Short") == "Short"
    cut = truncate("x" * 60)
    assert len(cut) == LABEL_CHARS and cut.endswith("\u2026")


def test_group_classes_are_plain_css_identifiers():
    assert group_class("Cluster 2") == "group-cluster-2"
    assert group_class("Amérique / Caraïbes") == "group-amerique-caraibes"
    assert group_class("") == "group-none"
    assert group_class('"><script>') == "group-script"


def test_groups_come_in_natural_order_without_repeats():
    points = [Point(str(i), "", 0, 0, f"Cluster {i % 11}") for i in range(30)]
    assert groups_of(points) == [f"Cluster {i}" for i in range(11)]


# Coverage bars ------------------------------------------------------------------------------


def test_coverage_bars_are_accessible_and_show_label_and_percentage():
    rows = [
        ("F01", "Collection building", 0.7, "7 of 10 answered"),
        ("F02", "Legal deposit", 1 / 3, "1 of 3 answered"),
    ]
    svg = coverage_bars(rows, title="Coverage", desc="Share of items answered per area")
    root = assert_accessible_and_csp_safe(svg, "coverage")
    texts = [e.text for e in root.iter(f"{SVG}text")]
    assert "Collection building" in texts and "70%" in texts and "33.3%" in texts
    assert "7 of 10 answered" in texts
    bars = find_all(root, "rect", "bar")
    tracks = find_all(root, "rect", "bar-track")
    assert len(bars) == len(tracks) == 2
    assert float(bars[0].get("width")) == pytest.approx(0.7 * float(tracks[0].get("width")))


def test_coverage_labels_are_escaped_and_long_ones_truncated_with_the_full_text_in_a_title():
    long_label = HOSTILE + " and a great deal more words"
    svg = coverage_bars([("F<1>", long_label, 0.5, "")], title="T <b>", desc="D & d")
    root = assert_accessible_and_csp_safe(svg, "coverage")
    assert "&lt;script&gt;" in svg
    row = root.find(f"{SVG}g")
    assert long_label in row.find(f"{SVG}title").text
    label = find_all(row, "text", "bar-label")[0].text
    assert len(label) <= 38 and label.endswith("\u2026")
    assert root.find(f"{SVG}title").text == "T <b>"


def test_coverage_shares_outside_zero_to_one_are_clamped():
    svg = coverage_bars([("A", "a", 1.7, ""), ("B", "b", -1, "")], title="T", desc="D")
    bars = find_all(parse(svg), "rect", "bar")
    assert [float(b.get("width")) for b in bars] == [224.0, 0.0]


def test_empty_coverage_chart_says_there_is_no_data():
    svg = coverage_bars([], title="T", desc="D", id_prefix="cov-2")
    root = assert_accessible_and_csp_safe(svg, "cov-2")
    assert [e.text for e in root.iter(f"{SVG}text")] == ["No data"]


def test_an_id_prefix_that_could_break_out_of_the_attribute_is_refused():
    with pytest.raises(ValueError, match="id_prefix"):
        coverage_bars([], title="T", desc="D", id_prefix='x" onload="alert(1)')


# Scatter plot -------------------------------------------------------------------------------


def sample_points() -> list[Point]:
    return [
        Point("a", HOSTILE, 0.0, 0.0, "Cluster 1", url="/libraries/a/?tab=1&x=2"),
        Point("b", "Biblioteca Nacional", 1.0, 0.5, "Cluster 2", url="/libraries/b/"),
        Point("c", "Kungliga biblioteket", -0.5, 2.0, "Cluster 1", highlight=True),
        Point("d", "Nowhere", float("nan"), 0.0, "Cluster 2"),
    ]


def test_scatter_plot_links_points_that_have_a_url():
    svg = scatter_plot(sample_points(), title="Map", desc="Positions", x_label="Axis 1")
    root = assert_accessible_and_csp_safe(svg, "positions")
    links = list(root.iter(f"{SVG}a"))
    assert [a.get("href") for a in links] == ["/libraries/a/?tab=1&x=2", "/libraries/b/"]
    assert all(a.find(f"{SVG}circle") is not None for a in links)
    assert "&amp;x=2" in svg


def test_scatter_plot_points_carry_group_classes_and_a_title_with_label_and_group():
    root = parse(scatter_plot(sample_points(), title="Map", desc="D"))
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 3  # the point without coordinates is left out
    assert all("point" in classes(c) for c in circles)
    titles = {c.find(f"{SVG}title").text for c in circles}
    assert f"{HOSTILE} (Cluster 1)" in titles
    assert {group_class("Cluster 1"), group_class("Cluster 2")} <= set().union(
        *(classes(c) for c in circles)
    )


def test_scatter_plot_escapes_labels():
    svg = scatter_plot(sample_points(), title="Map <1>", desc="D")
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_highlighted_points_get_a_class_and_a_visible_label_and_are_drawn_last():
    root = parse(scatter_plot(sample_points(), title="Map", desc="D"))
    highlighted = find_all(root, "circle", "highlight")
    assert len(highlighted) == 1
    assert [e.text for e in find_all(root, "text", "point-label")] == ["Kungliga biblioteket"]
    assert list(root.iter(f"{SVG}circle"))[-1] is highlighted[0]


def test_scatter_points_stay_inside_the_frame_and_keep_one_scale_for_both_axes():
    points = [Point("a", "a", 0, 0, "g"), Point("b", "b", 10, 0, "g"), Point("c", "c", 0, 1, "g")]
    root = parse(scatter_plot(points, title="T", desc="D"))
    frame = find_all(root, "rect", "plot-frame")[0]
    x0, y0 = float(frame.get("x")), float(frame.get("y"))
    x1, y1 = x0 + float(frame.get("width")), y0 + float(frame.get("height"))
    spots = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{SVG}circle")]
    assert all(x0 < x < x1 and y0 < y < y1 for x, y in spots)
    (ax, ay), (bx, _), (_, cy) = spots
    assert (bx - ax) / 10 == pytest.approx(ay - cy, abs=0.1)  # same units on both axes


@pytest.mark.parametrize(
    "points",
    [[], [Point("a", "a", 1, 1, "g")], [Point("a", "a", 1, 1, "g"), Point("b", "b", 1, 1, "g")]],
    ids=["none", "one", "two in the same place"],
)
def test_scatter_plot_copes_with_degenerate_inputs(points):
    assert_accessible_and_csp_safe(scatter_plot(points, title="T", desc="D"), "positions")


# Dendrogram ---------------------------------------------------------------------------------


def tree_for(count: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    keys = [f"lib{i:04d}" for i in range(count)]
    return keys, linkage(pdist(rng.random((count, 3))), method="average")


def test_dendrogram_has_one_labelled_leaf_per_key_coloured_by_cluster():
    keys, tree = tree_for(12)
    labels = {key: key.upper() for key in keys}
    clusters = {key: 1 + i % 3 for i, key in enumerate(keys)}
    svg = dendrogram(keys, labels, tree, clusters, title="Tree", desc="D")
    root = assert_accessible_and_csp_safe(svg, "dendrogram")
    leaves = find_all(root, "text", "leaf")
    assert sorted(e.text for e in leaves) == sorted(labels.values())
    for leaf in leaves:
        key = leaf.text.lower()
        assert f"cluster-{clusters[key]}" in classes(leaf)
    assert len(find_all(root, "path", "link")) == 11


def test_dendrogram_leaf_labels_are_escaped_and_long_ones_keep_the_full_name_in_a_title():
    keys, tree = tree_for(3)
    labels = {"lib0000": HOSTILE + " with a long tail of words", "lib0001": "B", "lib0002": "C"}
    svg = dendrogram(keys, labels, tree, {}, title="T", desc="D")
    root = assert_accessible_and_csp_safe(svg, "dendrogram")
    assert "&lt;script&gt;" in svg
    long_leaf = next(e for e in find_all(root, "text", "leaf") if e.find(f"{SVG}title") is not None)
    assert long_leaf.find(f"{SVG}title").text == labels["lib0000"]


@pytest.mark.parametrize("count", [0, 1, 2])
def test_dendrogram_works_for_tiny_trees(count):
    if count == 2:
        keys, tree = tree_for(count)
    else:
        keys, tree = [f"k{i}" for i in range(count)], np.empty((0, 4))
    svg = dendrogram(keys, {}, tree, dict.fromkeys(keys, 1), title="T", desc="D")
    root = assert_accessible_and_csp_safe(svg, "dendrogram")
    assert len(find_all(root, "text", "leaf")) == count
    assert len(find_all(root, "path", "link")) == max(count - 1, 0)


def test_a_big_dendrogram_keeps_the_tree_but_omits_leaf_text_and_grows_taller():
    keys, tree = tree_for(2000)
    clusters = {key: 1 + i % 5 for i, key in enumerate(keys)}
    svg = dendrogram(keys, {}, tree, clusters, title="T", desc="D", id_prefix="big")
    root = assert_accessible_and_csp_safe(svg, "big")
    assert find_all(root, "text", "leaf") == []
    assert len(find_all(root, "path", "link")) == 1999
    assert find_all(root, "rect", "cluster-band")
    smaller_keys, smaller_tree = tree_for(MAX_LABELLED_LEAVES + 100)
    smaller = parse(dendrogram(smaller_keys, {}, smaller_tree, {}, title="T", desc="D"))
    assert height_of(root) > height_of(smaller)


def height_of(root: ET.Element) -> float:
    return float(root.get("viewBox").split()[3])


def test_a_linkage_that_does_not_match_the_keys_is_refused():
    keys, tree = tree_for(5)
    with pytest.raises(ValueError, match="linkage"):
        dendrogram(keys[:3], {}, tree, {}, title="T", desc="D")

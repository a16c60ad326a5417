"""Accessible SVG charts rendered on the server and returned as strings.

The site's Content-Security-Policy forbids inline styles and scripts, so the markup carries no
`style` attribute, no <script> and no event handler: colours come from CSS classes (`bar`,
`bar-track`, `point`, `group-*`, `highlight`, `link`, `leaf`, `cluster-<n>`, ...) and only
geometry is set through attributes. Sizes come from CSS as well: each chart has a viewBox and no
width or height. Every chart is a role="img" labelled by its own <title> and <desc>; the page
should still offer the same data as a table or list.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import dendrogram as tree_layout

__all__ = [
    "LABEL_CHARS",
    "MAX_LABELLED_LEAVES",
    "Point",
    "coverage_bars",
    "dendrogram",
    "group_class",
    "groups_of",
    "number",
    "scatter_plot",
    "truncate",
]

SVG_NS = "http://www.w3.org/2000/svg"
# About what fits in the label column at the font size below.
LABEL_CHARS = 32
# Beyond this many leaves the names would be too small to read; the tree alone stays useful.
MAX_LABELLED_LEAVES = 300
FONT_SIZE = 13
_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


@dataclass(frozen=True)
class Point:
    key: str
    label: str
    x: float
    y: float
    group: str
    url: str = ""
    highlight: bool = False


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def number(value: float) -> str:
    """At most one decimal, without a trailing ".0" or a "-0"."""
    if not math.isfinite(value):
        return "0"
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def truncate(text: str, limit: int = LABEL_CHARS) -> str:
    """Collapse whitespace and cut to `limit` characters, ending with an ellipsis if cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "\u2026"


def group_class(group: str) -> str:
    """The CSS class for a group of points, e.g. "Cluster 2" -> "group-cluster-2".

    Exported so that the legend in the template uses the very same class names.
    """
    ascii_text = unicodedata.normalize("NFKD", str(group)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return f"group-{slug or 'none'}"


def _natural_key(text: str) -> tuple[object, ...]:
    # Splitting on digit runs gives str, digits, str, ... so the parts always compare by type.
    parts = re.split(r"(\d+)", text)
    return (
        tuple(int(part) if i % 2 else part.casefold() for i, part in enumerate(parts)),
        text,
    )


def groups_of(points: Sequence[Point]) -> list[str]:
    """The distinct groups in natural order ("Cluster 2" before "Cluster 10"), for the legend."""
    return sorted({point.group for point in points}, key=_natural_key)


def _svg_start(
    id_prefix: str,
    width: float,
    height: float,
    title: str,
    desc: str,
    kind: str,
    interactive: bool = False,
) -> list[str]:
    if not _ID_PREFIX.match(id_prefix):
        raise ValueError(f"id_prefix must be a plain identifier, got {id_prefix!r}")
    # An image cannot contain links (screen readers would skip them): a chart whose points are
    # links is a group of links with the same title and description.
    role = "group" if interactive else "img"
    return [
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {number(width)} {number(height)}" role="{role}" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" class="chart chart-{kind}">',
        f'<title id="{id_prefix}-title">{_escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{_escape(desc)}</desc>',
    ]


def _text(x: float, y: float, content: str, css: str, anchor: str = "start") -> str:
    anchor_attribute = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return (
        f'<text class="{css}" x="{number(x)}" y="{number(y)}" font-size="{FONT_SIZE}"'
        f"{anchor_attribute}>{_escape(content)}</text>"
    )


def _baseline(middle: float) -> float:
    # Puts the text's visual centre on `middle` without dominant-baseline, which some
    # renderers ignore.
    return middle + FONT_SIZE * 0.35


def coverage_bars(
    rows: Sequence[tuple[str, str, float, str]],
    *,
    title: str,
    desc: str,
    id_prefix: str = "coverage",
    empty: str = "No data",
) -> str:
    """Horizontal bars, one per (area code, area label, share 0..1, detail text)."""
    width, row_height, bar_height, top = 740, 28, 14, 8
    label_end, bar_x, bar_width = 268, 276, 224
    value_x, detail_x = bar_x + bar_width + 8, bar_x + bar_width + 56
    height = top * 2 + max(len(rows), 1) * row_height
    parts = _svg_start(id_prefix, width, height, title, desc, "coverage")
    if not rows:
        parts.append(_text(width / 2, _baseline(height / 2), empty, "chart-empty", "middle"))
    for i, (code, label, share, detail) in enumerate(rows):
        share = min(max(float(share), 0.0), 1.0) if math.isfinite(share) else 0.0
        percent = f"{number(share * 100)}%"
        y = top + i * row_height
        bar_y = y + (row_height - bar_height) / 2
        middle = _baseline(y + row_height / 2)
        summary = f"{code} {label}: {percent}" + (f" ({detail})" if detail else "")
        parts += [
            f'<g class="coverage-row" data-code="{_escape(code)}">',
            f"<title>{_escape(summary.strip())}</title>",
            _text(label_end, middle, truncate(label), "bar-label", "end"),
            f'<rect class="bar-track" x="{bar_x}" y="{number(bar_y)}" width="{bar_width}" '
            f'height="{bar_height}" rx="2"/>',
            f'<rect class="bar" x="{bar_x}" y="{number(bar_y)}" '
            f'width="{number(share * bar_width)}" height="{bar_height}" rx="2"/>',
            _text(value_x, middle, percent, "bar-value"),
        ]
        if detail:
            parts.append(_text(detail_x, middle, truncate(detail, 26), "bar-detail"))
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def scatter_plot(
    points: Sequence[Point],
    *,
    title: str,
    desc: str,
    id_prefix: str = "positions",
    empty: str = "No data",
    x_label: str = "",
    y_label: str = "",
) -> str:
    """Points on a plane, both axes on the same scale so that distances on screen stay true."""
    width, height = 640, 480
    left, right, top, bottom = 40, 16, 16, 40
    radius, highlight_radius = 5, 7
    inset = highlight_radius + 2
    plot_width, plot_height = width - left - right, height - top - bottom
    parts = _svg_start(
        id_prefix, width, height, title, desc, "scatter", interactive=any(p.url for p in points)
    )
    parts.append(
        f'<rect class="plot-frame" x="{left}" y="{top}" width="{plot_width}" '
        f'height="{plot_height}" fill="none"/>'
    )
    if x_label:
        parts.append(
            _text(left + plot_width / 2, height - 12, truncate(x_label, 60), "axis-label", "middle")
        )
    if y_label:
        x, y = 16, top + plot_height / 2
        parts.append(
            f'<text class="axis-label" x="{number(x)}" y="{number(y)}" font-size="{FONT_SIZE}" '
            f'text-anchor="middle" transform="rotate(-90 {number(x)} {number(y)})">'
            f"{_escape(truncate(y_label, 45))}</text>"
        )
    drawable = [p for p in points if math.isfinite(p.x) and math.isfinite(p.y)]
    if not drawable:
        parts.append(_text(width / 2, _baseline(height / 2), empty, "chart-empty", "middle"))
        parts.append("</svg>")
        return "\n".join(parts)

    xs = np.array([p.x for p in drawable])
    ys = np.array([p.y for p in drawable])
    x_mid, y_mid = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    x_span, y_span = xs.max() - xs.min(), ys.max() - ys.min()
    inner_width, inner_height = plot_width - 2 * inset, plot_height - 2 * inset
    scales = [inner_width / x_span if x_span > 0 else math.inf]
    scales.append(inner_height / y_span if y_span > 0 else math.inf)
    scale = min(scales) if min(scales) < math.inf else 1.0
    centre_x, centre_y = left + plot_width / 2, top + plot_height / 2

    def place(point: Point) -> tuple[float, float]:
        # SVG's y axis points down; the data's points up.
        return centre_x + (point.x - x_mid) * scale, centre_y - (point.y - y_mid) * scale

    # The zero lines are where the average library sits on each axis of a scaling map.
    zero_x, zero_y = centre_x - x_mid * scale, centre_y + y_mid * scale
    if left < zero_x < left + plot_width:
        parts.append(
            f'<line class="axis-zero" x1="{number(zero_x)}" y1="{top}" '
            f'x2="{number(zero_x)}" y2="{top + plot_height}"/>'
        )
    if top < zero_y < top + plot_height:
        parts.append(
            f'<line class="axis-zero" x1="{left}" y1="{number(zero_y)}" '
            f'x2="{left + plot_width}" y2="{number(zero_y)}"/>'
        )

    # Highlighted points are drawn last so that no other point covers them.
    for point in sorted(drawable, key=lambda p: p.highlight):
        cx, cy = place(point)
        css = f"point {group_class(point.group)}" + (" highlight" if point.highlight else "")
        name = f"{point.label} ({point.group})" if point.group else point.label
        circle = (
            f'<circle class="{css}" cx="{number(cx)}" cy="{number(cy)}" '
            f'r="{highlight_radius if point.highlight else radius}">'
            f"<title>{_escape(name)}</title></circle>"
        )
        label = ""
        if point.highlight:
            # Keep the label inside the frame: to the left of points in the right half.
            on_right = cx > left + plot_width / 2
            label = _text(
                cx - 10 if on_right else cx + 10,
                _baseline(cy),
                truncate(point.label, 30),
                "point-label",
                "end" if on_right else "start",
            )
        if point.url:
            parts.append(
                f'<a href="{_escape(point.url)}" aria-label="{_escape(name)}">{circle}{label}</a>'
            )
        else:
            parts.append(circle + label)
    parts.append("</svg>")
    return "\n".join(parts)


def _axis_ticks(maximum: float) -> tuple[list[float], int]:
    """Round tick values from 0 to `maximum`, and the decimals their labels need."""
    if maximum <= 0:
        return [0.0], 0
    raw = maximum / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    count = int(math.floor(maximum / step + 1e-9))
    return [i * step for i in range(count + 1)], decimals


def dendrogram(
    keys: Sequence[str],
    labels: Mapping[str, str],
    linkage: np.ndarray,
    clusters: Mapping[str, int],
    *,
    title: str,
    desc: str,
    id_prefix: str = "dendrogram",
    empty: str = "No data",
) -> str:
    """A horizontal tree: leaves as rows on the left, merges further right the less alike.

    `keys` are in the order the linkage refers to (as in `analysis.Positions.keys`). Above
    MAX_LABELLED_LEAVES leaves the names are left out and only the tree and a band of cluster
    colours remain; the height grows with the number of leaves either way.
    """
    n = len(keys)
    tree = np.asarray(linkage, dtype=float)
    if n >= 2 and tree.shape != (n - 1, 4):
        raise ValueError(f"a linkage for {n} leaves has {n - 1} rows, got shape {tree.shape}")
    labelled = n <= MAX_LABELLED_LEAVES
    row_height = 18 if labelled else 2
    width, top, axis_height = 640, 8, 36
    band_x = 272 if labelled else 0
    tree_left, tree_right = band_x + 14, width - 16
    height = top + max(n, 1) * row_height + axis_height
    parts = _svg_start(id_prefix, width, height, title, desc, "dendrogram")
    if n == 0:
        parts.append(_text(width / 2, _baseline(height / 2), empty, "chart-empty", "middle"))
        parts.append("</svg>")
        return "\n".join(parts)

    if n >= 2:
        layout = tree_layout(tree, no_plot=True)
        order = [int(i) for i in layout["leaves"]]
        links = list(zip(layout["icoord"], layout["dcoord"], strict=True))
        highest = float(tree[:, 2].max())
    else:
        order, links, highest = [0], [], 0.0
    scale = (tree_right - tree_left) / highest if highest > 0 else 0.0

    def row_middle(position: float) -> float:
        return top + position * row_height + row_height / 2

    def x_at(distance: float) -> float:
        return tree_left + distance * scale

    # A band of cluster classes next to the leaves, one rectangle per run of equal clusters.
    run_start = 0
    for position in range(1, n + 1):
        cluster = clusters.get(keys[order[run_start]])
        if position < n and clusters.get(keys[order[position]]) == cluster:
            continue
        css = f"cluster-band cluster-{cluster}" if cluster is not None else "cluster-band"
        parts.append(
            f'<rect class="{css}" x="{band_x + 2}" y="{number(top + run_start * row_height)}" '
            f'width="6" height="{number((position - run_start) * row_height)}"/>'
        )
        run_start = position

    if labelled:
        for position, index in enumerate(order):
            key = keys[index]
            full = str(labels.get(key, key))
            shown = truncate(full)
            cluster = clusters.get(key)
            css = f"leaf cluster-{cluster}" if cluster is not None else "leaf"
            tooltip = f"<title>{_escape(full)}</title>" if shown != full else ""
            y = number(_baseline(row_middle(position)))
            parts.append(
                f'<text class="{css}" x="{band_x - 4}" y="{y}" font-size="{FONT_SIZE}" '
                f'text-anchor="end">{tooltip}{_escape(shown)}</text>'
            )

    # scipy places leaf i at 5 + 10 i and each link as four (position, height) corners.
    for positions, heights in links:
        y0, y3 = row_middle((positions[0] - 5) / 10), row_middle((positions[3] - 5) / 10)
        parts.append(
            f'<path class="link" fill="none" d="M{number(x_at(heights[0]))} {number(y0)}'
            f'H{number(x_at(heights[1]))}V{number(y3)}H{number(x_at(heights[3]))}"/>'
        )

    axis_y = top + n * row_height + 8
    parts.append(
        f'<line class="axis" x1="{tree_left}" y1="{axis_y}" x2="{tree_right}" y2="{axis_y}"/>'
    )
    ticks, decimals = _axis_ticks(highest)
    for tick in ticks:
        x = x_at(tick)
        parts.append(
            f'<line class="axis" x1="{number(x)}" y1="{axis_y}" x2="{number(x)}" '
            f'y2="{axis_y + 4}"/>'
        )
        parts.append(_text(x, axis_y + 18, f"{tick:.{decimals}f}", "axis-tick", "middle"))
    parts.append("</svg>")
    return "\n".join(parts)

"""World maps of answers: one colour class per country, a legend, and the same data as a table.

Countries whose library has no published profile are "no profile"; a published profile that
leaves the item empty is "not answered"; "unknown" is its own class. None of them is ever
drawn like "no" or "none".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from libraries.worldmap import render_world_map

from .choices import AnswerType
from .models import Item
from .queries import ItemAnswer
from .values import UNKNOWN, as_number, parts

CLASSES = 5
MISSING = "answer-missing"
UNKNOWN_CLASS = "answer-unknown"
SEVERAL = "answer-several"
NO_POPULATION = "population-unknown"


@dataclass
class LegendEntry:
    css_class: str
    label: str
    count: int


@dataclass
class CountryRow:
    iso2: str
    country: str
    libraries: list
    label: str
    css_class: str
    number: float | None = None


@dataclass
class ItemMap:
    svg: str
    legend: list[LegendEntry]
    rows: list[CountryRow]
    option: str | None
    per_capita: bool
    title: str


def map_options(item: Item) -> list[str]:
    return list(item.options) if item.answer_type == AnswerType.MULTI else []


def item_map(
    item: Item,
    answers: list[ItemAnswer],
    *,
    option: str | None = None,
    per_capita: bool = False,
    id_prefix: str = "item-map",
    title: str = "",
) -> ItemMap:
    """The choropleth of one item's published answers, by country."""
    by_country: dict[str, list[ItemAnswer]] = defaultdict(list)
    for answer in answers:
        by_country[answer.library.country_id].append(answer)
    if item.answer_type == AnswerType.MULTI:
        option = option if option in item.options else item.options[0]
    per_capita = per_capita and item.per_capita
    if item.is_numeric:
        rows, legend = _numeric(item, by_country, per_capita)
    else:
        rows, legend = _categorical(item, by_country, option)
    fills = {row.iso2: row.css_class for row in rows}
    titles = {row.iso2: f"{row.country}: {row.label}" for row in rows}
    desc = _("Countries coloured by their national library's answer; %(n)s countries answered.")
    svg = render_world_map(
        fills=fills,
        titles=titles,
        svg_title=title or str(item),
        svg_desc=desc % {"n": len(rows)},
        id_prefix=id_prefix,
    )
    return ItemMap(mark_safe(svg), legend, rows, option, per_capita, title or str(item))  # noqa: S308 - built from escaped parts


def _categorical(item: Item, by_country, option: str | None):
    if item.answer_type == AnswerType.MULTI:
        labels = {"yes": _("includes %(o)s") % {"o": option}, "no": _("does not include it")}
        order = ["yes", "no"]
    elif item.answer_type in (AnswerType.TEXT, AnswerType.URL):
        labels = {"given": _("answered")}
        order = ["given"]
    else:
        order = [c for c in item.choices if c != UNKNOWN]
        labels = {c: item.value_label(c) for c in order}
    css = {value: f"cat-{n}" for n, value in enumerate(order)}
    rows = []
    for iso2, answers in by_country.items():
        keys = {_category(item, a.value, option) for a in answers}
        key = keys.pop() if len(keys) == 1 else SEVERAL
        label = labels.get(key) or _special_label(key)
        rows.append(_row(iso2, answers, label, css.get(key, _special_class(key))))
    legend = _legend(rows, [(css[v], labels[v]) for v in order])
    return sorted(rows, key=lambda r: r.country), legend


def _category(item: Item, value: str, option: str | None) -> str:
    if value in ("", UNKNOWN):
        return value
    if item.answer_type == AnswerType.MULTI:
        return "yes" if option in parts(value) else "no"
    if item.answer_type in (AnswerType.TEXT, AnswerType.URL):
        return "given"
    return value


def _special_label(key: str) -> str:
    return {
        "": _("not answered"),
        UNKNOWN: _("unknown"),
        SEVERAL: _("libraries of this country differ"),
    }.get(key, key)


def _special_class(key: str) -> str:
    return {"": MISSING, UNKNOWN: UNKNOWN_CLASS}.get(key, SEVERAL)


def _row(iso2, answers, label, css_class, number=None) -> CountryRow:
    country = answers[0].library.country
    return CountryRow(iso2, country.name, [a.library for a in answers], label, css_class, number)


def _legend(
    rows: list[CountryRow], entries: list[tuple[str, str]], per_capita: bool = False
) -> list[LegendEntry]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.css_class] += 1
    legend = [LegendEntry(css, label, counts.get(css, 0)) for css, label in entries]
    for css, label in (
        (SEVERAL, _("libraries of this country differ")),
        (UNKNOWN_CLASS, _("unknown")),
        (MISSING, _("profile published, item not answered")),
        *([(NO_POPULATION, _("answered, population unknown"))] if per_capita else []),
    ):
        legend.append(LegendEntry(css, label, counts.get(css, 0)))
    return legend


def _numeric(item: Item, by_country, per_capita: bool):
    """Numbers in five classes of equal counts (quantiles), summed over a country's libraries."""
    numbers: dict[str, float] = {}
    rows = []
    for iso2, answers in by_country.items():
        values = [as_number(a.value) for a in answers if a.value not in ("", UNKNOWN)]
        if not values:
            key = UNKNOWN if any(a.value == UNKNOWN for a in answers) else ""
            rows.append(_row(iso2, answers, _special_label(key), _special_class(key)))
            continue
        number = min(values) if item.answer_type == AnswerType.YEAR else sum(values)
        population = answers[0].library.country.population
        if per_capita:
            if not population:
                rows.append(_row(iso2, answers, _("population unknown"), NO_POPULATION))
                continue
            number = number / population * 1_000_000
        numbers[iso2] = number
        rows.append(_row(iso2, answers, _format(number, item, per_capita), "", number))
    breaks = _quantile_breaks(sorted(numbers.values()))
    for row in rows:
        if row.number is not None:
            row.css_class = f"q-{_class_of(row.number, breaks)}"
    entries = [
        (f"q-{n + 1}", _class_label(breaks, n, item, per_capita)) for n in range(len(breaks) - 1)
    ]
    return sorted(rows, key=lambda r: r.country), _legend(rows, entries, per_capita)


def _quantile_breaks(values: list[float]) -> list[float]:
    if not values:
        return []
    count = min(CLASSES, len(set(values)))
    if count <= 1:
        return [values[0], values[-1]]
    breaks = [
        values[min(len(values) - 1, round(i * (len(values) - 1) / count))] for i in range(count + 1)
    ]
    return sorted(set(breaks)) if len(set(breaks)) > 1 else [values[0], values[-1]]


def _class_of(number: float, breaks: list[float]) -> int:
    for n in range(1, len(breaks) - 1):
        if number < breaks[n]:
            return n
    return max(1, len(breaks) - 1)


def _class_label(breaks, n, item, per_capita) -> str:
    low, high = breaks[n], breaks[n + 1]
    return f"{_format(low, item, per_capita)} – {_format(high, item, per_capita)}"


def _format(number: float, item: Item, per_capita: bool) -> str:
    if item.answer_type == AnswerType.YEAR:
        return str(int(number))
    text = f"{number:,.1f}" if per_capita and number < 100 else f"{number:,.0f}"
    if per_capita:
        return _("%(n)s per million people") % {"n": text}
    return f"{text} {item.unit}".strip()

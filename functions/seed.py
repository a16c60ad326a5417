"""Load the function framework from data/seed/functions.yaml, publish its edition, open its round.

The whole file is checked first and every problem reported with its place; then everything is
loaded in one transaction. Loading again keeps what exists (keyed by the stable codes), so
moderators' later rewording is never overwritten by the seed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction

from core.actors import SEED
from core.services import create_object
from libraries.seed import SEED_DIR

from . import services
from .choices import AnswerType, RoundStatus, Weight
from .models import Area, FrameworkEdition, Item, Round

FRAMEWORK_FILE = SEED_DIR / "functions.yaml"
TRANSLATIONS_FILE = "functions_translations.yaml"
SEED_REASON = "Seed data"
ITEM_KEYS = {"code", "type", "text", "options", "unit"}
PER_CAPITA_UNITS = {"items", "registered users", "visits", "FTE", "EUR"}


class FrameworkFileError(Exception):
    pass


@dataclass
class FrameworkReport:
    areas: int = 0
    items: int = 0
    editions: int = 0
    rounds: int = 0
    translations: int = 0


def read_framework(path: Path = FRAMEWORK_FILE) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FrameworkFileError(f"{path.name}: {exc}") from exc
    errors = list(_problems(data))
    if errors:
        raise FrameworkFileError("\n".join(f"{path.name}: {e}" for e in errors))
    return data


def _problems(data) -> list[str]:
    if not isinstance(data, dict) or not data.get("edition") or not data.get("areas"):
        return ["needs `edition` and `areas`"]
    seen: set[str] = set()
    problems = []
    for a, area in enumerate(data["areas"], start=1):
        where = f"area {a} ({area.get('code', '?')})"
        if not re.fullmatch(r"F[0-9]{2}", str(area.get("code", ""))):
            problems.append(f"{where}: code must look like F01")
        if not area.get("name"):
            problems.append(f"{where}: name is missing")
        if area.get("weight") not in Weight.values:
            problems.append(f"{where}: weight must be one of {', '.join(Weight.values)}")
        for i, item in enumerate(area.get("items") or [], start=1):
            problems += _item_problems(f"{where}, item {i}", area, item, seen)
    return problems


def _item_problems(where: str, area: dict, item: dict, seen: set[str]) -> list[str]:
    code = str(item.get("code", ""))
    problems = []
    unexpected = sorted(str(key) for key in set(item) - ITEM_KEYS)
    if unexpected:
        # Usually an unquoted comma in a YAML flow mapping cut the text in two.
        problems.append(
            f"{where} ({code}): unexpected keys {', '.join(unexpected)}; "
            "quote a text that contains a comma"
        )
    if not re.fullmatch(r"F[0-9]{2}\.[0-9]{1,2}", code):
        problems.append(f"{where}: code {code!r} must look like F01.3")
    elif not code.startswith(f"{area.get('code')}."):
        problems.append(f"{where}: code {code!r} must start with {area.get('code')}.")
    if code in seen:
        problems.append(f"{where}: code {code} is used twice")
    seen.add(code)
    if item.get("type") not in AnswerType.values:
        problems.append(f"{where} ({code}): unknown type {item.get('type')!r}")
    if item.get("type") in ("choice", "multi") and len(item.get("options") or []) < 2:
        problems.append(f"{where} ({code}): a {item['type']} item needs options")
    if not item.get("text"):
        problems.append(f"{where} ({code}): text is missing")
    return problems


def load_framework(path: Path = FRAMEWORK_FILE) -> FrameworkReport:
    data = read_framework(path)
    texts = read_translations(path.parent / TRANSLATIONS_FILE, data)
    report = FrameworkReport()
    with transaction.atomic():
        for position, area_data in enumerate(data["areas"], start=1):
            area = Area.objects.filter(code=area_data["code"]).first()
            if area is None:
                area = services.create_area(
                    {
                        "code": area_data["code"],
                        "name": area_data["name"],
                        "weight": area_data["weight"],
                        "position": position,
                        "translations": texts.get(area_data["code"], {}),
                    },
                    user=SEED,
                    reason=SEED_REASON,
                )
                report.areas += 1
            report.items += _load_items(area, area_data["items"], texts)
        edition = FrameworkEdition.objects.filter(code=data["edition"]).first()
        if edition is None:
            edition = services.publish_edition(
                data["edition"],
                _edition_title(data["edition"]),
                user=SEED,
                notes="Candidate framework loaded from the seed data.",
                reason=SEED_REASON,
            )
            report.editions += 1
        if not Round.objects.filter(edition=edition).exists():
            _first_round(edition)
            report.rounds += 1
        report.translations = _fill_translations(texts)
    return report


def read_translations(path: Path, framework: dict) -> dict[str, dict[str, str]]:
    """{code: {language: text}} from the translations file (none when it is absent)."""
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FrameworkFileError(f"{path.name}: {exc}") from exc
    codes = {a["code"] for a in framework["areas"]}
    codes |= {i["code"] for a in framework["areas"] for i in a.get("items") or []}
    unknown = sorted({str(code) for texts in data.values() for code in texts} - codes)
    if unknown:
        raise FrameworkFileError(f"{path.name}: unknown codes {', '.join(unknown)}")
    by_code: dict[str, dict[str, str]] = {}
    for language, texts in data.items():
        for code, text in texts.items():
            if text:
                by_code.setdefault(str(code), {})[language] = str(text).strip()
    return by_code


def _fill_translations(texts: dict[str, dict[str, str]]) -> int:
    """Add translations missing on existing areas and items; a moderator's are kept."""
    objects = {a.code: a for a in Area.objects.all()} | {i.code: i for i in Item.objects.all()}
    changed: dict[str, dict] = {}
    for code, by_language in texts.items():
        obj = objects.get(code)
        for language, text in by_language.items():
            if obj is not None and not obj.translations.get(language):
                changed.setdefault(code, dict(obj.translations))[language] = text
    for code, translations in changed.items():
        obj = objects[code]
        update = services.update_area if isinstance(obj, Area) else services.update_item
        update(
            obj,
            {"translations": translations},
            user=SEED,
            reason=SEED_REASON,
            expected_version=obj.version,
        )
    return len(changed)


def _load_items(area: Area, items: list[dict], texts: dict) -> int:
    created = 0
    for position, data in enumerate(items, start=1):
        if Item.objects.filter(code=data["code"]).exists():
            continue
        services.create_item(
            {
                "code": data["code"],
                "area": area,
                "position": position,
                "text": data["text"],
                "answer_type": data["type"],
                "options": list(data.get("options") or []),
                "unit": data.get("unit", ""),
                "per_capita": data["type"] == "number" and data.get("unit") in PER_CAPITA_UNITS,
                "translations": texts.get(data["code"], {}),
            },
            user=SEED,
            reason=SEED_REASON,
        )
        created += 1
    return created


def _edition_title(code: str) -> str:
    return code.replace("-", " ").capitalize() + " edition"


def _first_round(edition: FrameworkEdition) -> Round:
    """The plan's first round is a beta: open for contributors from the start."""
    year = int(edition.code[:4]) if edition.code[:4].isdigit() else 2020
    return create_object(
        Round(
            slug=edition.code,
            name=edition.code.replace("-", " "),
            year=year,
            edition=edition,
            status=RoundStatus.OPEN,
            is_beta="beta" in edition.code,
            description="The first, beta round of the function framework.",
        ),
        user=SEED,
        reason=SEED_REASON,
    )

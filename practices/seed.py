"""Load the kinds of practice and the real digital unification case studies (data/seed/).

Every row is checked first and every problem reported with its row and column; then the case
studies are created through the services (started, submitted, published by the seed actor), in
one transaction. Loading again adds only what is missing, keyed by title.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from core.actors import SEED
from core.services import create_object, save_edit
from libraries.models import Library
from libraries.seed import SEED_DIR

from . import services
from .choices import InstitutionRole, ProjectStatus, RevisionKind
from .models import Kind, Practice

CASE_STUDIES = SEED_DIR / "du_case_studies.csv"
COLUMNS = (
    "title",
    "institutions",
    "countries_iso2",
    "start_year",
    "end_year",
    "url",
    "summary",
    "source",
)
# The kinds of practice, with their names in the other six IFLA languages.
KINDS = (
    (
        "digital-unification",
        "Digital unification project",
        {
            "fr": "Projet d'unification numérique",
            "ar": "مشروع توحيد رقمي",
            "zh-hans": "数字整合项目",
            "de": "Projekt zur digitalen Zusammenführung",
            "ru": "Проект цифрового объединения",
            "es": "Proyecto de unificación digital",
        },
    ),
    (
        "best-practice",
        "Best practice",
        {
            "fr": "Bonne pratique",
            "ar": "أفضل ممارسة",
            "zh-hans": "最佳实践",
            "de": "Best Practice",
            "ru": "Лучшая практика",
            "es": "Buena práctica",
        },
    ),
    (
        "legal-deposit",
        "Legal deposit practice",
        {
            "fr": "Pratique de dépôt légal",
            "ar": "ممارسة في الإيداع القانوني",
            "zh-hans": "法定呈缴实践",
            "de": "Praxis des Pflichtexemplarrechts",
            "ru": "Практика обязательного экземпляра",
            "es": "Práctica de depósito legal",
        },
    ),
    (
        "other",
        "Other",
        {
            "fr": "Autre",
            "ar": "أخرى",
            "zh-hans": "其他",
            "de": "Sonstiges",
            "ru": "Другое",
            "es": "Otro",
        },
    ),
)
ROLE_WORDS = {
    "coordinator": InstitutionRole.LEAD,
    "lead": InstitutionRole.LEAD,
    "secretariat": InstitutionRole.LEAD,
    "funder": InstitutionRole.FUNDER,
    "technical": InstitutionRole.TECHNICAL,
}


class CaseStudyFileError(Exception):
    pass


@dataclass
class PracticeReport:
    kinds: int = 0
    practices: int = 0
    unchanged: int = 0


def load_kinds() -> int:
    """Create the seed kinds, and add the names they lack in a language (a moderator's own
    names are kept)."""
    created = 0
    for position, (slug, name, names) in enumerate(KINDS, start=1):
        kind = Kind.objects.filter(slug=slug).first()
        if kind is None:
            kind = Kind(slug=slug, name=name, translations=dict(names), position=position)
            create_object(kind, user=SEED, reason="Seed data")
            created += 1
        elif any(not kind.translations.get(code) for code in names):
            missing = {
                code: text for code, text in names.items() if not kind.translations.get(code)
            }
            save_edit(
                kind,
                {"translations": {**kind.translations, **missing}},
                user=SEED,
                reason="Seed data: names in more languages",
                expected_version=kind.version,
            )
    return created


def load_case_studies(path: Path = CASE_STUDIES) -> PracticeReport:
    report = PracticeReport()
    with transaction.atomic():
        report.kinds = load_kinds()
        rows = read_rows(path)
        existing = set(Practice.objects.exclude(source_key="").values_list("source_key", flat=True))
        for _number, content in rows:
            key = source_key(content["title"])
            if key in existing:
                report.unchanged += 1
                continue
            practice = services.start_practice(
                content, user=SEED, reason="Seed data", revision_kind=RevisionKind.SEED
            )
            Practice.objects.filter(pk=practice.pk).update(source_key=key)
            practice = services.submit_practice(
                practice, user=SEED, expected_version=None, tell_moderators=False
            )
            services.approve_practice(practice, user=SEED, expected_version=None)
            report.practices += 1
    return report


def source_key(title: str) -> str:
    """The seed's own name for a case study: its file and original title, whatever edits follow."""
    return f"{CASE_STUDIES.name}:{slugify(title)}"[:120]


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """Every row as practice content; CaseStudyFileError lists each bad row and column."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise CaseStudyFileError(f"{path.name}: missing columns {', '.join(missing)}")
            raw = list(enumerate(reader, start=2))
    except OSError as exc:
        raise CaseStudyFileError(f"{path.name}: {exc}") from exc
    refs = services.references()
    refs.kinds.add("digital-unification")  # created in the same transaction when missing
    libraries = _library_names()
    rows, problems = [], []
    for number, row in raw:
        try:
            content = services.clean_content(_content(row, libraries), refs)
        except ValidationError as exc:
            problems += [
                f"{path.name}, row {number}, {field}: {'; '.join(messages)}"
                for field, messages in exc.message_dict.items()
            ]
            continue
        rows.append((number, content))
    if problems:
        raise CaseStudyFileError("\n".join(problems))
    return rows


def _library_names() -> dict[str, str]:
    names = {}
    for slug, name, native in Library.objects.values_list("slug", "name", "native_name"):
        for text in (name, native):
            if text:
                names[text.casefold()] = slug
    return names


def _content(row: dict, libraries: dict[str, str]) -> dict:
    end = row["end_year"].strip()
    return {
        "title": row["title"],
        "summary": row["summary"],
        "body": "",
        "language": "en",
        "kind": "digital-unification",
        "project_status": ProjectStatus.COMPLETED if end else ProjectStatus.ONGOING,
        "start_year": row["start_year"],
        "end_year": end,
        "countries": row["countries_iso2"],
        "institutions": [_institution(part, libraries) for part in _parts(row["institutions"])],
        "urls": [{"url": row["url"].strip()}] if row["url"].strip() else [],
        "sources": [
            {"url": s} if s.startswith(("http://", "https://")) else {"citation": s}
            for s in _parts(row["source"])
        ],
        "tags": ["digital unification"],
    }


def _parts(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(";") if p.strip()]


def _institution(text: str, libraries: dict[str, str]) -> dict:
    role = InstitutionRole.PARTNER
    for word, mapped in ROLE_WORDS.items():
        if re.search(rf"\b{word}\b", text, re.IGNORECASE):
            role = mapped
            break
    name = re.sub(
        r"\s*\((coordinator|lead|secretariat|funder|technical)\)\s*", " ", text, flags=re.IGNORECASE
    ).strip()
    return {"name": name[:300], "library": libraries.get(name.casefold(), ""), "role": role}

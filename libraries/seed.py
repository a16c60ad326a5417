"""Load the registry's seed data: M49 regions, countries and their populations, organisations
and national libraries.

Every file is validated completely first; any bad row is reported with file, row and column and
nothing is loaded. Loading is idempotent: records are keyed by M49 code, ISO code, organisation
code, and Wikidata QID (or country plus name) for libraries.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from core.actors import SEED
from core.choices import FactStatus

from . import services
from .choices import MembershipRole, MembershipStatus, RegionLevel
from .models import Country, Library, Organisation, Region

SEED_DIR = Path(__file__).resolve().parent.parent / "data" / "seed"
LIBRARY_COLUMNS = (
    "name",
    "native_name",
    "country_iso2",
    "country_iso3",
    "wikidata",
    "city",
    "founded",
    "website",
    "isil",
    "lat",
    "lon",
    "memberships",
    "source",
)
# Keys used in the `source` column, mapped to the facts they document.
SOURCE_KEYS = {
    "name": ["name"],
    "qid": ["wikidata_qid"],
    "web": ["website"],
    "website": ["website"],
    "native": ["native_name"],
    "native_name": ["native_name"],
    "city": ["city"],
    "founded": ["founded"],
    "coords": ["coordinates"],
    "isil": ["isil"],
}


@dataclass
class SeedError:
    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, column {self.column}: {self.message}"


class SeedFileError(Exception):
    def __init__(self, errors: list[SeedError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class LoadReport:
    created: int = 0
    unchanged: int = 0
    updated: int = 0
    notes: list[str] = field(default_factory=list)


def load_all(seed_dir: Path = SEED_DIR, *, update: bool = False) -> dict[str, LoadReport]:
    """Load every seed file in one transaction: all or nothing."""
    with transaction.atomic():
        reports = {"regions and countries": load_countries(seed_dir / "m49.csv")}
        if (seed_dir / "population.csv").exists():
            reports["population"] = load_population(seed_dir / "population.csv")
        reports["organisations"] = load_organisations(seed_dir / "organisations.yaml")
        reports["libraries"] = load_libraries(seed_dir / "national_libraries.csv", update=update)
        return reports


# Regions and countries ---------------------------------------------------------------------


def load_countries(path: Path) -> LoadReport:
    rows, errors = _read_csv(
        path,
        (
            "iso2",
            "iso3",
            "m49",
            "name",
            "region_code",
            "region_name",
            "subregion_code",
            "subregion_name",
            "intermediate_code",
            "intermediate_name",
        ),
    )
    for number, row in rows:
        if not re.fullmatch(r"[A-Z]{2}", row["iso2"]):
            errors.append(SeedError(path.name, number, "iso2", "not a two-letter code"))
        if not re.fullmatch(r"[A-Z]{3}", row["iso3"]):
            errors.append(SeedError(path.name, number, "iso3", "not a three-letter code"))
        for col in ("region_code", "subregion_code", "intermediate_code"):
            if row[col] and not re.fullmatch(r"\d{3}", row[col]):
                errors.append(SeedError(path.name, number, col, "not a three-digit M49 code"))
    _raise_if(errors)
    report = LoadReport()
    seen: dict[str, Region] = {}
    with transaction.atomic():
        for _number, row in rows:
            region = _region(row["region_code"], row["region_name"], RegionLevel.REGION, None, seen)
            sub = _region(
                row["subregion_code"], row["subregion_name"], RegionLevel.SUBREGION, region, seen
            )
            inter = _region(
                row["intermediate_code"],
                row["intermediate_name"],
                RegionLevel.INTERMEDIATE,
                sub,
                seen,
            )
            _, created = Country.objects.update_or_create(
                iso2=row["iso2"],
                defaults={
                    "iso3": row["iso3"],
                    "numeric": row["m49"],
                    **_country_names(row),
                    "region": region,
                    "subregion": sub,
                    "intermediate_region": inter,
                },
            )
            report.created += created
            report.unchanged += not created
    return report


def _region(code: str, name: str, level: str, parent: Region | None, seen: dict) -> Region | None:
    """Create or update a region once per load, however many countries name it."""
    if not code:
        return None
    if code not in seen:
        seen[code], _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent}
        )
    return seen[code]


def _country_names(row: dict) -> dict:
    entry = pycountry.countries.get(alpha_2=row["iso2"])
    if entry is None:
        return {"name": row["name"], "official_name": ""}
    return {
        "name": getattr(entry, "common_name", None) or entry.name,
        "official_name": getattr(entry, "official_name", ""),
    }


# Population ------------------------------------------------------------------------------------

POPULATION_COLUMNS = ("iso2", "year", "population", "source", "status")
POPULATION_YEARS = (1950, 2030)


def load_population(path: Path) -> LoadReport:
    """Set the population, its year and its source of the countries named in `path`.

    Unless a row's status is verified, the status is added to the stored source
    ("... — unverified"), so a figure never looks more certain than it is. A row without a
    population leaves its country as it is. Only countries whose values differ are saved.
    """
    rows, errors = _read_csv(path, POPULATION_COLUMNS)
    countries = {country.iso2: country for country in Country.objects.all()}
    parsed: list[tuple[str, dict | None]] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        iso2 = row["iso2"].strip()
        if iso2 in seen:
            errors.append(
                SeedError(
                    path.name, number, "iso2", f"duplicate country {iso2} (also row {seen[iso2]})"
                )
            )
        seen.setdefault(iso2, number)
        data, row_errors = _parse_population_row(path.name, number, row, countries)
        errors += row_errors
        parsed.append((iso2, data))
    _raise_if(errors)
    report = LoadReport()
    without = 0
    with transaction.atomic():
        for iso2, data in parsed:
            country = countries[iso2]
            if data is None or all(getattr(country, f) == v for f, v in data.items()):
                report.unchanged += 1
                without += data is None
                continue
            for fieldname, value in data.items():
                setattr(country, fieldname, value)
            country.save(update_fields=list(data))
            report.updated += 1
    if without:
        report.notes.append(
            f"{without} countries have no population figure and were left as they were"
        )
    return report


def _parse_population_row(filename: str, number: int, row: dict, countries: dict):
    """Return the country's new population fields (None when the row has no figure) and errors."""
    errors: list[SeedError] = []

    def err(column: str, message: str) -> None:
        errors.append(SeedError(filename, number, column, message))

    iso2 = row["iso2"].strip()
    if iso2 not in countries:
        err("iso2", f"unknown country code {iso2!r}")
    status = row["status"].strip()
    if status not in FactStatus.values:
        err("status", f"{status!r} is not one of {', '.join(FactStatus.values)}")
    value = row["population"].strip()
    if not value:
        return None, errors
    population = _whole_number(value, "population", err)
    if population is not None and population < 0:
        err("population", f"{value} is negative")
    year = _whole_number(row["year"].strip(), "year", err)
    first, last = POPULATION_YEARS
    if year is not None and not first <= year <= last:
        err("year", f"{year} is outside {first}–{last}")
    source = row["source"].strip()
    if not source:
        err("source", "missing")
    if status and status != FactStatus.VERIFIED:
        source = f"{source} — {status}"
    limit = Country._meta.get_field("population_source").max_length
    if len(source) > limit:
        err("source", f"longer than {limit} characters with its status")
    data = {"population": population, "population_year": year, "population_source": source}
    return (data if not errors else None), errors


def _whole_number(value: str, column: str, err) -> int | None:
    if not re.fullmatch(r"-?\d+", value):
        err(column, f"{value!r} is not a whole number" if value else "missing")
        return None
    return int(value)


# Organisations -------------------------------------------------------------------------------


def load_organisations(path: Path) -> LoadReport:
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise SeedFileError([SeedError(path.name, 0, "-", f"not valid YAML: {exc}")]) from exc
    errors = []
    for number, entry in enumerate(entries, start=1):
        for key in ("code", "name"):
            if not entry.get(key):
                errors.append(SeedError(path.name, number, key, "missing"))
    _raise_if(errors)
    report = LoadReport()
    for entry in entries:
        if Organisation.objects.filter(code=entry["code"]).exists():
            report.unchanged += 1
            continue
        data = {
            "code": entry["code"],
            "name": entry["name"],
            "native_name": entry.get("native_name", ""),
            "kind": entry.get("kind", "other"),
            "scope": entry.get("scope", ""),
            "region_served": entry.get("region", ""),
            "founded": entry.get("founded"),
            "website": entry.get("website", ""),
            "description": (entry.get("description") or "").strip(),
            "source": (entry.get("source") or "").strip(),
            "status": entry.get("status", FactStatus.UNVERIFIED),
        }
        try:
            services.create_organisation(data, user=SEED, reason="Seed data")
        except ValidationError as exc:
            raise SeedFileError(
                _validation_errors(path.name, entries.index(entry) + 1, exc)
            ) from exc
        report.created += 1
    return report


# Libraries -------------------------------------------------------------------------------------


@dataclass
class LibraryRow:
    number: int
    data: dict
    facts: dict
    memberships: list[tuple[str, str, str, str]]  # (code, status, role, note)
    source_note: str
    member_sources: dict[str, dict]


def load_libraries(path: Path, *, update: bool = False) -> LoadReport:
    rows, errors = _read_csv(path, LIBRARY_COLUMNS)
    parsed = []
    seen_qids: dict[str, int] = {}
    for number, row in rows:
        item, row_errors = _parse_library_row(path.name, number, row)
        errors += row_errors
        qid = row["wikidata"].strip()
        if qid and qid in seen_qids:
            errors.append(
                SeedError(
                    path.name,
                    number,
                    "wikidata",
                    f"duplicate QID {qid} (also row {seen_qids[qid]})",
                )
            )
        if qid:
            seen_qids.setdefault(qid, number)
        if item:
            parsed.append(item)
    _raise_if(errors)
    report = LoadReport()
    organisations = {o.code: o for o in Organisation.objects.all()}
    with transaction.atomic():
        for item in parsed:
            _load_library(path.name, item, organisations, report, update)
    return report


def _load_library(filename, item: LibraryRow, organisations, report, update) -> None:
    existing = _find_library(item.data)
    if existing and not update:
        report.unchanged += 1
        return
    try:
        if existing:
            # update_library takes the form's field names: `country`, not `country_id`.
            data = {k: v for k, v in item.data.items() if k != "country_id"}
            data["country"] = Country.objects.get(pk=item.data["country_id"])
            changed = services.update_library(
                existing,
                data,
                user=SEED,
                reason="Seed data update",
                expected_version=existing.version,
            )
            if changed.version != existing.version:
                report.updated += 1
            else:
                report.unchanged += 1
            return
        library = services.create_library(
            {**item.data, "source_note": item.source_note},
            user=SEED,
            reason="Seed data",
            facts=item.facts,
        )
    except ValidationError as exc:
        raise SeedFileError(_validation_errors(filename, item.number, exc)) from exc
    for code, status, role, note in item.memberships:
        if code not in organisations:
            raise SeedFileError(
                [SeedError(filename, item.number, "memberships", f"unknown organisation {code}")]
            )
        services.add_membership(
            library,
            organisations[code],
            user=SEED,
            status=status,
            role=role,
            note=note,
            source=item.member_sources.get(code, {}).get("source", ""),
            reason="Seed data",
        )
    report.created += 1


def _find_library(data: dict) -> Library | None:
    if data.get("wikidata_qid"):
        found = Library.objects.filter(wikidata_qid=data["wikidata_qid"]).first()
        if found:
            return found
    return Library.objects.filter(country_id=data["country_id"], name=data["name"]).first()


def _parse_library_row(filename: str, number: int, row: dict):
    errors: list[SeedError] = []

    def err(column: str, message: str) -> None:
        errors.append(SeedError(filename, number, column, message))

    iso2 = row["country_iso2"].strip()
    if not Country.objects.filter(iso2=iso2).exists():
        err("country_iso2", f"unknown country code {iso2!r}")
    elif Country.objects.get(iso2=iso2).iso3 != row["country_iso3"].strip():
        err("country_iso3", f"{row['country_iso3']!r} does not match {iso2}")
    if not row["name"].strip():
        err("name", "missing")
    data = {
        "name": row["name"].strip(),
        "native_name": row["native_name"].strip(),
        "country_id": iso2,
        "wikidata_qid": row["wikidata"].strip(),
        "city": row["city"].strip(),
        "website": row["website"].strip(),
        "isil": row["isil"].strip(),
        "founded": _number(row, "founded", int, err),
        "latitude": _number(row, "lat", float, err),
        "longitude": _number(row, "lon", float, err),
    }
    probe = Library(**data, slug="probe")
    try:
        probe.clean_fields(exclude=["slug", "country", "facts"])
    except ValidationError as exc:
        column_of = {"wikidata_qid": "wikidata", "latitude": "lat", "longitude": "lon"}
        for fieldname, messages in exc.message_dict.items():
            err(column_of.get(fieldname, fieldname), " ".join(messages))
    facts, member_sources = parse_sources(row["source"], data)
    memberships = _parse_memberships(row["memberships"], err)
    item = LibraryRow(number, data, facts, memberships, row["source"].strip(), member_sources)
    return (item if not errors else None), errors


def _number(row: dict, column: str, kind, err):
    value = row[column].strip()
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        err(column, f"{value!r} is not a number")
        return None


def _parse_memberships(value: str, err) -> list[tuple[str, str, str, str]]:
    result = []
    for token in filter(None, (t.strip() for t in value.split(";"))):
        match = re.fullmatch(r"([A-Z][A-Z\-]+)(?:\((.+)\))?", token)
        if not match:
            err("memberships", f"cannot read {token!r}")
            continue
        code, qualifier = match.group(1), (match.group(2) or "").strip()
        status, role, note = MembershipStatus.CONFIRMED, MembershipRole.MEMBER, ""
        if qualifier == "inferred":
            status = MembershipStatus.INFERRED
        elif qualifier == "observer":
            role = MembershipRole.OBSERVER
        elif qualifier:
            status, note = MembershipStatus.INFERRED, qualifier
        result.append((code, status, role, note))
    return result


def parse_sources(source: str, data: dict) -> tuple[dict, dict]:
    """Read the `source` column into per-fact provenance.

    A segment "keys: text" documents the facts named by its keys. Text marked KN, or a name
    marked "verify", is not yet verified against a source; other cited sources count as
    verified against that source; membership keys with "(inferred)" are inferred.
    """
    facts: dict[str, dict] = {}
    members: dict[str, dict] = {}
    for key, text in _segments(source):
        status = _status_of(key, text)
        clean_key = re.sub(r"\(.*\)", "", key).strip()
        if re.fullmatch(r"[A-Z][A-Z\-]+", clean_key):
            members[clean_key] = {"status": status, "source": text}
            continue
        for part in re.split(r"[,/]", clean_key):
            for fact in SOURCE_KEYS.get(part.strip(), []):
                facts[fact] = {"status": status, "source": text}
    present = [f for f in Library.FACTS if f != "coordinates" and data.get(_field(f))]
    if data.get("latitude") is not None:
        present.append("coordinates")
    for fact in present:
        facts.setdefault(fact, {"status": FactStatus.UNVERIFIED, "source": ""})
    return {f: v for f, v in facts.items() if f in present}, members


def _segments(source: str):
    """Split "a: x | b: y" into (key, text) pairs; a piece without a key continues the last."""
    pairs: list[list[str]] = []
    for piece in source.split(" | "):
        key, sep, text = piece.partition(":")
        if sep and re.fullmatch(r"[A-Za-z_,/\- ()]+(?:\([^)]*\))?", key.strip()):
            pairs.append([key.strip(), text.strip()])
        elif pairs:
            pairs[-1][1] += " | " + piece
    return [(k, t) for k, t in pairs]


def _status_of(key: str, text: str) -> str:
    if "(inferred)" in key or "status unclear" in key:
        return FactStatus.INFERRED
    if re.search(r"\bKN\b", text) or re.search(r"\bverify\b", text, re.IGNORECASE):
        return FactStatus.UNVERIFIED
    return FactStatus.VERIFIED


def _field(fact: str) -> str:
    return "latitude" if fact == "coordinates" else fact


# Helpers -----------------------------------------------------------------------------------------


def _read_csv(path: Path, columns) -> tuple[list[tuple[int, dict]], list[SeedError]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                return [], [SeedError(path.name, 1, c, "column missing") for c in missing]
            # Row numbers count the header as row 1, as a spreadsheet shows them.
            return [(n, row) for n, row in enumerate(reader, start=2)], []
    except (OSError, UnicodeDecodeError) as exc:
        return [], [SeedError(path.name, 0, "-", str(exc))]


def _raise_if(errors: list[SeedError]) -> None:
    if errors:
        raise SeedFileError(errors)


def _validation_errors(filename: str, number: int, exc: ValidationError) -> list[SeedError]:
    if hasattr(exc, "message_dict"):
        return [SeedError(filename, number, f, " ".join(m)) for f, m in exc.message_dict.items()]
    return [SeedError(filename, number, "-", " ".join(exc.messages))]

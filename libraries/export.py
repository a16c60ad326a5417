"""CSV and JSON downloads of exactly what a filtered list shows."""

import csv
import io
import json

from django.http import HttpResponse

from core.choices import FactStatus

LIBRARY_COLUMNS = (
    "slug",
    "name",
    "native_name",
    "country_iso2",
    "country_iso3",
    "country",
    "region",
    "subregion",
    "wikidata_qid",
    "city",
    "founded",
    "website",
    "isil",
    "latitude",
    "longitude",
    "memberships",
    "unverified_facts",
    "synthetic",
    "url",
)


def library_row(library, site_url: str) -> dict:
    country = library.country
    return {
        "slug": library.slug,
        "name": library.name,
        "native_name": library.native_name,
        "country_iso2": country.iso2,
        "country_iso3": country.iso3,
        "country": country.name,
        "region": country.region.name if country.region else "",
        "subregion": country.subregion.name if country.subregion else "",
        "wikidata_qid": library.wikidata_qid,
        "city": library.city,
        "founded": library.founded,
        "website": library.website,
        "isil": library.isil,
        "latitude": library.latitude,
        "longitude": library.longitude,
        "memberships": ";".join(
            m.organisation.code + ("(inferred)" if m.status == "inferred" else "")
            for m in library.memberships.all()
        ),
        "unverified_facts": ";".join(
            fact
            for fact, info in sorted(library.facts.items())
            if info.get("status") != FactStatus.VERIFIED
        ),
        "synthetic": library.is_synthetic,
        "url": site_url + library.get_absolute_url(),
    }


def csv_response(rows, columns, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def json_response(rows, filename: str, meta: dict) -> HttpResponse:
    body = json.dumps({**meta, "count": len(rows), "results": rows}, ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


def _cell(value):
    # Spreadsheets run cells starting with these as formulas (a leading tab or carriage return
    # is skipped before the formula, OWASP "CSV injection"); a quote keeps them as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value

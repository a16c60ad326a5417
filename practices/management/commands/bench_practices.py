"""Benchmark the practices database: the list with searches and facets, a practice, its history.

The command makes sure 20,000 synthetic practices are present (generate_practices), then times
the server's own work for each request with django.test.Client in-process and the public page
cache off: ~30 searches and facet combinations of /en/practices/, five rounds each (after one
warm-up), with p50/p95/max in ms, the queries per request and the time spent in SQL. Each search
is timed twice: first with the cache emptied before every request, but for the names every
list shows (a search nobody asked for since the last change: the figures the budget is judged
on), then repeated (the cached result: another page of it, the same search again). Also timed:
building the in-memory facet index, once per data change. Figures go to
var/bench/practices-<database>.json. Run it on a benchmark database: `make bench-practices`.

Budget for search with facets, p95: 50 ms on PostgreSQL, 100 ms on SQLite.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from practices import facets, search
from practices.choices import PracticeStatus
from practices.models import Practice
from practices.views import listing

BUDGET_MS = {"postgresql": 50, "sqlite": 100}
LIST = "/en/practices/"
SLOW_MS = 3000
LIMIT_S = 20  # a request still running then is stopped: the bench must end
STOPPED = "stopped"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of them at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Command(BaseCommand):
    help = "Time the practices list (30 searches and facet combinations), a practice, history."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=20000, help="synthetic practices")
        parser.add_argument("--rounds", type=int, default=5, help="timed rounds per request")
        parser.add_argument("--seed", type=int, default=2020, help="generator seed")
        parser.add_argument(
            "--limit", type=float, default=LIMIT_S, help="seconds before a request is stopped"
        )
        parser.add_argument("--only", default="", help="measure only lists whose name has this")

    def handle(self, *args, **options):
        if settings.DEBUG:
            raise CommandError("Run with production settings (DEBUG=0): make bench-practices")
        call_command(
            "generate_practices",
            count=options["count"],
            seed=options["seed"],
            force=True,
            stdout=self.stdout,
        )
        call_command("collectstatic", interactive=False, verbosity=0)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics after the bulk insert
        published = Practice.objects.filter(status=PracticeStatus.PUBLISHED).count()
        self.say(f"{published} published practices on {connection.vendor}")
        rounds, self.limit = options["rounds"], options["limit"]
        lists = [(n, u) for n, u in self.searches() if options["only"] in n]
        index_ms = self.time_index()
        with override_settings(PUBLIC_PAGE_CACHE_SECONDS=0):
            self.say(
                "First requests: the cache emptied before each (the names every list shows kept)"
            )
            searches = self.measure(lists, rounds, cold=True)
            self.say("Repeated requests (the same search again, another page of it)")
            repeated = self.measure(lists, rounds)
            pages = self.measure(self.pages(), rounds) if not options["only"] else []
        self.write(
            published,
            rounds,
            searches,
            pages,
            repeated=repeated,
            index_ms=index_ms,
            partial=bool(options["only"]),
        )

    def time_index(self) -> float:
        """Milliseconds to build the in-memory facet index (once per data change)."""
        times = []
        for _round in range(3):
            started = time.perf_counter()
            facets.build()
            times.append((time.perf_counter() - started) * 1000)
        self.say(f"facet index built in {statistics.median(times):.0f} ms (median of 3)")
        return round(statistics.median(times), 1)

    def say(self, text: str) -> None:
        self.stdout.write(f"[bench-practices] {text}")
        self.stdout.flush()

    # What is measured -----------------------------------------------------------------------

    def searches(self) -> list[tuple[str, str]]:
        """About 30 lists a visitor asks for, with facet values taken from the data itself."""
        counts = search.facet_counts(Practice.objects.filter(status=PracticeStatus.PUBLISHED))

        def ranked(facet: str) -> list:
            return [v for v, _n in sorted(counts[facet].items(), key=lambda kv: -kv[1])]

        country, other_country = (
            ranked("country")[0],
            ranked("country")[len(counts["country"]) // 3],
        )
        region, second_region = ranked("region")[0], ranked("region")[-1]
        area, second_area = ranked("area")[0], ranked("area")[-1]
        rare = (
            Practice.objects.filter(is_synthetic=True)
            .order_by("pk")
            .values_list("title", flat=True)
            .first()
        )
        names = [w for w in (rare or "").partition(":")[2].split() if w[:1].isupper()]
        rare_word = names[0] if names else "lorsch"  # an invented name: a handful of practices
        library = (
            Practice.libraries.through.objects.values_list("library__slug", flat=True)
            .order_by("library__slug")
            .first()
        )
        wanted = [
            ("everything", {}),
            ("q: very common word", {"q": "library"}),
            ("q: common word", {"q": "manuscripts"}),
            ("q: without accents", {"q": "bibliotheque numerique"}),
            ("q: with accents", {"q": "Sénégal"}),
            ("q: mid word", {"q": "lorsch"}),
            ("q: two words", {"q": "timbuktu manuscripts"}),
            ("q: three words", {"q": "digital heritage online"}),
            ("q: rare name", {"q": rare_word}),
            ("q: no result", {"q": "zzyzx"}),
            ("kind", {"kind": "best-practice"}),
            ("country: largest", {"country": country}),
            ("country: middling", {"country": other_country}),
            ("region", {"region": region}),
            ("area", {"area": area}),
            ("period", {"period": "2010"}),
            ("project status", {"status": "ongoing"}),
            ("language", {"language": "fr"}),
            ("q + kind", {"q": "library", "kind": "digital-unification"}),
            ("q + country", {"q": "manuscripts", "country": country}),
            (
                "q + region + status",
                {"q": "archive", "region": second_region, "status": "completed"},
            ),
            ("q + area + period", {"q": "maps", "area": second_area, "period": "2000"}),
            (
                "kind + country + period",
                {"kind": "legal-deposit", "country": country, "period": "2010"},
            ),
            (
                "region + language + status",
                {"region": region, "language": "fr", "status": "ongoing"},
            ),
            ("q + language, by title", {"q": "heritage", "language": "de", "sort": "title"}),
            ("q, most viewed", {"q": "library", "sort": "views"}),
            ("q, by start year", {"q": "preservation", "sort": "start"}),
            ("page 50", {"page": "50"}),
            ("q, page 20", {"q": "library", "page": "20"}),
            (
                "q + all facets",
                {
                    "q": "national",
                    "kind": "digital-unification",
                    "region": region,
                    "area": area,
                    "period": "2010",
                    "status": "completed",
                    "language": "en",
                },
            ),
        ]
        if library:
            wanted.append(("q + library", {"q": "library", "library": library}))
        return [
            (label, f"{LIST}?{urlencode(params)}" if params else LIST) for label, params in wanted
        ]

    def pages(self) -> list[tuple[str, str]]:
        synthetic = (
            Practice.objects.filter(is_synthetic=True, status=PracticeStatus.PUBLISHED)
            .order_by("pk")
            .first()
        )
        real = (
            Practice.objects.filter(is_synthetic=False, status=PracticeStatus.PUBLISHED)
            .order_by("-pk")
            .first()
        )
        urls = []
        for label, practice in (("synthetic", synthetic), ("case study", real)):
            if practice is not None:
                path = practice.get_absolute_url()
                urls.append((f"detail ({label})", path))
                urls.append((f"history ({label})", f"{path}history/"))
        return urls

    # Timing ---------------------------------------------------------------------------------

    def measure(self, urls: list[tuple[str, str]], rounds: int, cold: bool = False) -> list[dict]:
        """Each URL once to warm up and count queries, then `rounds` timed rounds in turn;
        `cold` empties the cache before every request (but for the names every list shows),
        so each searches as if nobody had asked before."""
        client = Client(HTTP_USER_AGENT=BROWSER, raise_request_exception=False)
        results = []
        for label, url in urls:
            self.say(f"{label}: {url}")
            if cold:
                self.forget_result(url)
            with CaptureQueriesContext(connection) as captured:
                status, warm_up = self.get(client, url)
            slow = warm_up > SLOW_MS
            results.append(
                {
                    "name": label,
                    "url": url,
                    "status": status,
                    "queries": len(captured.captured_queries),
                    "sql_ms": round(sum(float(q["time"]) for q in captured) * 1000, 1),
                    "warm_up_ms": round(warm_up, 1),
                    # A request slower than SLOW_MS is not repeated, so that the bench ends in
                    # minutes: its figures are that one sample (first-request costs are noise
                    # at that scale). One stopped at --limit counts as the limit.
                    "rounds": 1 if slow else rounds,
                    "samples": [warm_up] if slow else [],
                }
            )
        for _round in range(rounds):
            for result in results:
                if len(result["samples"]) >= result["rounds"]:
                    continue
                if cold:
                    self.forget_result(result["url"])
                result["samples"].append(self.get(client, result["url"])[1])
        for result in results:
            samples = result.pop("samples")
            result.update(
                p50_ms=round(statistics.median(samples), 1),
                p95_ms=round(percentile(samples, 0.95), 1),
                max_ms=round(max(samples), 1),
                all_ms=[round(s, 1) for s in samples],
            )
            stopped = " STOPPED at the limit" if result["status"] == STOPPED else ""
            self.say(
                f"{result['name']:<28} {result['status']} p50 {result['p50_ms']:>8} ms  "
                f"max {result['max_ms']:>8} ms  {result['queries']} queries "
                f"({result['sql_ms']} ms SQL){stopped}"
            )
        return results

    @staticmethod
    def forget_result(url: str) -> None:
        """Empty the cache as if nobody had asked for this list, nor seen its practices,
        since the last change: only the names of kinds, countries, regions and areas, which
        every list shows, stay known."""
        cache.clear()
        with translation.override(url.split("/")[1]):
            listing.names()

    def get(self, client: Client, url: str) -> tuple[int | str, float]:
        """The status and milliseconds of one request. Queries still running after --limit
        seconds are cancelled with the database's own interrupt, again every 0.1 s until the
        request ends, and the request then counts as the limit."""
        connection.ensure_connection()
        raw = connection.connection
        stop = raw.interrupt if connection.vendor == "sqlite" else getattr(raw, "cancel_safe", None)
        done = threading.Event()

        def watchdog():
            if done.wait(self.limit) or stop is None:
                return
            while not done.wait(0.1):
                stop()

        guard = threading.Thread(target=watchdog, daemon=True)
        guard.start()
        started = time.perf_counter()
        try:
            response = client.get(url)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            done.set()
            guard.join()
        if response.status_code != 200 and elapsed >= self.limit * 1000:
            return STOPPED, self.limit * 1000
        return response.status_code, elapsed

    # Report ---------------------------------------------------------------------------------

    @staticmethod
    def summary(results: list[dict]) -> dict:
        samples = [s for r in results if r["status"] == 200 for s in r["all_ms"]]
        return {
            "requests": len(samples),
            "p50_ms": round(statistics.median(samples), 1) if samples else None,
            "p95_ms": round(percentile(samples, 0.95), 1) if samples else None,
            "max_ms": round(max(samples), 1) if samples else None,
        }

    def write(
        self, published, rounds, searches, pages, *, repeated, index_ms, partial=False
    ) -> None:
        vendor = connection.vendor
        budget = BUDGET_MS.get(vendor)
        answered = [r for r in searches if r["status"] in (200, STOPPED)]
        samples = [s for r in answered for s in r["all_ms"]]
        summary = {
            "requests": len(samples),
            "p50_ms": round(statistics.median(samples), 1) if samples else None,
            "p95_ms": round(percentile(samples, 0.95), 1) if samples else None,
            "max_ms": round(max(samples), 1) if samples else None,
            "queries_min": min((r["queries"] for r in answered), default=None),
            "queries_max": max((r["queries"] for r in answered), default=None),
            "not_answered": [f"{r['name']}: {r['status']}" for r in searches if r not in answered],
            "stopped_at_limit_s": self.limit,
            "stopped": [r["name"] for r in searches if r["status"] == STOPPED],
            "over_budget": [r["name"] for r in answered if budget and r["p95_ms"] >= budget],
            "timed_once_as_slow": [r["name"] for r in answered if r["rounds"] == 1 < rounds],
            "budget_p95_ms": budget,
        }
        summary["within_budget"] = (
            summary["p95_ms"] is not None and budget is not None and summary["p95_ms"] < budget
        )
        report = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
            "python": platform.python_version(),
            "database": vendor,
            "published_practices": published,
            "rounds": rounds,
            "facet_index_build_ms": index_ms,
            "search_with_facets": summary,
            "searches": searches,
            "repeated_searches": self.summary(repeated),
            "repeated": repeated,
            "pages": pages,
        }
        out = Path(settings.BASE_DIR) / "var" / "bench"
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"practices-{vendor}{'-partial' if partial else ''}.json"
        path.write_text(json.dumps(report, indent=1, ensure_ascii=False))
        self.say(f"written to {path}")
        verdict = "within" if summary["within_budget"] else "OVER"
        self.say(
            f"search with facets on {vendor}: {summary['requests']} requests, "
            f"p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, max {summary['max_ms']} ms, "
            f"{summary['queries_min']}-{summary['queries_max']} queries: {verdict} the "
            f"{budget} ms budget ({len(summary['over_budget'])} of {len(answered)} lists over it)"
        )
        again = report["repeated_searches"]
        self.say(
            f"the same searches repeated: p50 {again['p50_ms']} ms, p95 {again['p95_ms']} ms, "
            f"max {again['max_ms']} ms"
        )
        for page in pages:
            self.say(
                f"{page['name']}: p50 {page['p50_ms']} ms, p95 {page['p95_ms']} ms, "
                f"{page['queries']} queries"
            )
        if summary["not_answered"]:
            self.stderr.write("Not answered with 200: " + "; ".join(summary["not_answered"]))

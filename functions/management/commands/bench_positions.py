"""Benchmark similarity, peers, clusters and positions for one round at two sizes.

For each size (200 and 2,000 libraries by default) the command makes three benchmark rounds of
generated demo answers (all 85 items of the framework), then measures for one round:
the cold computation (database read + analysis, median of three), the cached lookup, and the
/positions/ page and API answered from the cache, with their query counts. Figures go to
var/bench/positions-<database>.json. Run it on a benchmark database: `make bench-positions`.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.actors import COMMAND
from core.services import create_object
from functions import demo, similarity
from functions.choices import RoundStatus
from functions.models import FrameworkEdition, Round
from libraries.models import Library

ROUNDS_PER_SIZE = 3
FIRST_YEAR = {200: 2101, 2000: 2201}


class Command(BaseCommand):
    help = "Time similarity and positions for 200 and 2,000 libraries (3 rounds each)."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="200,2000", help="library counts, e.g. 200,2000")
        parser.add_argument("--repeat", type=int, default=3, help="cold runs per size")

    def handle(self, *args, **options):
        if settings.DEBUG:
            raise CommandError("Run with production settings (DEBUG=0): make bench-positions")
        sizes = [int(s) for s in options["sizes"].split(",") if s.strip()]
        call_command("generate_scale_data", libraries=max(sizes), force=True, stdout=self.stdout)
        call_command("collectstatic", interactive=False, verbosity=0)
        edition = FrameworkEdition.objects.order_by("published_at").first()
        if edition is None:
            raise CommandError("No framework edition: run load_seed first.")
        results = [self.measure(size, edition, options["repeat"]) for size in sizes]
        self.write(results)

    def rounds_for(self, size: int, edition: FrameworkEdition) -> list[Round]:
        libraries = list(Library.objects.select_related("country").order_by("pk")[:size])
        if len(libraries) < size:
            raise CommandError(f"Only {len(libraries)} libraries; cannot bench {size}.")
        first = FIRST_YEAR.get(size, 2300 + size % 97)
        rounds = []
        for year in range(first, first + ROUNDS_PER_SIZE):
            round_ = Round.objects.filter(year=year).first() or create_object(
                Round(
                    slug=f"benchmark-{year}",
                    name=f"Benchmark round {year} ({size} libraries)",
                    year=year,
                    edition=edition,
                    status=RoundStatus.CLOSED,
                    description="Generated for benchmarks: demo answers, not real data.",
                ),
                user=COMMAND,
            )
            made = demo.generate(round_, libraries, seed=year)
            self.stdout.write(f"[positions] {round_.name}: {made} demo profiles added")
            rounds.append(round_)
        return rounds

    def measure(self, size: int, edition: FrameworkEdition, repeat: int) -> dict:
        round_ = self.rounds_for(size, edition)[0]
        round_.refresh_from_db()
        cold = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = similarity.compute(round_, (), similarity.DEFAULT_CLUSTERS)
            cold.append(time.perf_counter() - started)
        cache.clear()
        similarity.positions(round_)
        started = time.perf_counter()
        similarity.positions(round_)
        cached = time.perf_counter() - started
        page = self.page(f"/en/positions/?round={round_.year}")
        api = self.page(f"/api/v1/rounds/{round_.year}/positions/")
        figures = {
            "libraries": size,
            "analysed": len(result.library_ids),
            "items": len(result.items),
            "rounds": ROUNDS_PER_SIZE,
            "cold_seconds_median": round(statistics.median(cold), 3),
            "cold_seconds_all": [round(c, 3) for c in cold],
            "analysis_seconds": round(result.seconds, 3),
            "cached_lookup_ms": round(cached * 1000, 2),
            "page_ms": page["ms"],
            "page_queries": page["queries"],
            "api_ms": api["ms"],
            "api_queries": api["queries"],
        }
        self.stdout.write(f"[positions] {json.dumps(figures)}")
        return figures

    def page(self, path: str) -> dict:
        client = Client()
        client.get(path)  # the first request may compute; the second is what visitors get
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise CommandError(f"{path} answered {response.status_code}")
        return {"ms": round(elapsed * 1000, 1), "queries": len(queries.captured_queries)}

    def write(self, results: list[dict]) -> None:
        out = Path(settings.BASE_DIR) / "var" / "bench"
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"positions-{connection.vendor}.json"
        path.write_text(json.dumps({"database": connection.vendor, "results": results}, indent=2))
        self.stdout.write(f"[positions] written to {path}")
        for r in results:
            self.stdout.write(
                f"{r['libraries']:>6} libraries × {r['items']} items: "
                f"cold {r['cold_seconds_median']} s (analysis {r['analysis_seconds']} s), "
                f"cached {r['cached_lookup_ms']} ms, page {r['page_ms']} ms / "
                f"{r['page_queries']} queries, API {r['api_ms']} ms / {r['api_queries']} queries"
            )

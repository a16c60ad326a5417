"""Benchmark NL Atlas as deployed: gunicorn with production settings, driven by wrk.

Run through `make bench` (PostgreSQL, size large) or `make bench-sqlite` (SQLite, size small),
which set the production environment. For each key URL it reports requests per second,
p50/p95/p99 latency, errors, database queries per request, the gzipped weight of the page with
its stylesheets and scripts, and the throughput as a share of a minimal Django view on the same
stack (the ceiling). Figures are written to var/bench/ as JSON; --compare shows the difference.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

ROOT = Path(settings.BASE_DIR)
OUT_DIR = ROOT / "var" / "bench"
LUA = ROOT / "scripts" / "bench_report.lua"

# (name, path): every public page type that exists, search with facets, API, an export.
KEY_URLS = [
    ("ceiling: hello view", "/__hello__"),
    ("home", "/en/"),
    ("library list", "/en/libraries/"),
    ("search with facets", "/en/libraries/?q=national&region=150&sort=founded"),
    ("library detail", "/en/libraries/national-library-of-france/"),
    ("library history", "/en/libraries/national-library-of-france/history/"),
    ("map by region", "/en/libraries/map/"),
    ("map by organisation", "/en/libraries/map/?colour=organisation&organisation=cenl"),
    ("organisations", "/en/organisations/"),
    ("organisation detail", "/en/organisations/cenl/"),
    ("recent changes", "/en/changes/"),
    ("changes feed", "/en/changes/feed/"),
    ("export CSV", "/en/libraries/export.csv?region=150"),
    ("function framework", "/en/functions/"),
    ("item map", "/en/functions/F01.1/"),
    ("number map per capita", "/en/functions/F04.6/?per_capita=1"),
    (
        "compare 3 libraries",
        "/en/compare/?libraries=national-library-of-france,british-library,national-library-of-china",
    ),
    ("positions (cached)", "/en/positions/"),
    ("legal deposit", "/en/legal-deposit/"),
    ("profile", "/en/libraries/national-library-of-france/profile/2020/"),
    ("round CSV", "/en/functions/rounds/2020/export.csv"),
    ("API answers", "/api/v1/answers/?item=F01.1"),
    ("API library list", "/api/v1/libraries/"),
    ("API library detail", "/api/v1/libraries/national-library-of-france/"),
    ("health check", "/healthz"),
]


class Command(BaseCommand):
    help = "Benchmark the production stack on loopback with wrk (see docs/performance.md)."

    def add_arguments(self, parser):
        parser.add_argument("--size", default="large", help="scale data size (small or large)")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--duration", type=int, default=8, help="seconds per URL")
        parser.add_argument("--connections", type=int, default=8, help="concurrent clients")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
        parser.add_argument("--compare", help="a previous JSON report to compare with")
        parser.add_argument("--only", help="run only URLs whose name contains this text")

    def handle(self, *args, **options):
        self.check_tools(options["port"])
        self.prepare(options["size"])
        server = self.start_server(options["port"], options["workers"])
        try:
            results = [self.measure(name, path, options) for name, path in self.urls(options)]
            # The ceiling again at the end: the first run can catch workers still warming up,
            # and a low ceiling would flatter every ratio.
            again = self.measure("ceiling: hello view (again)", KEY_URLS[0][1], options)
        finally:
            self.stop_server(server)
        results.append(again)
        ceiling = max(r["rps"] for r in results if r["name"].startswith("ceiling"))
        for result in results:
            result["ceiling_ratio"] = round(result["rps"] / ceiling, 3) if ceiling else None
        report = self.report(results, options)
        self.print_table(report, options.get("compare"))

    # Setup ---------------------------------------------------------------------------------

    def check_tools(self, port: int) -> None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise CommandError(f"Port {port} is already in use; choose another with --port.")
        if settings.DEBUG:
            raise CommandError("Run the benchmark with production settings (DEBUG=0): make bench")
        if shutil.which("wrk") is None:
            raise CommandError("wrk is not installed: apt-get install wrk")

    def prepare(self, size: str) -> None:
        self.say(f"Preparing the {connection.vendor} database at size {size!r}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("generate_scale_data", size=size, force=True, stdout=self.stdout)
        call_command("collectstatic", interactive=False, verbosity=0)

    def start_server(self, port: int, workers: int) -> subprocess.Popen:
        self.say(f"Starting gunicorn with {workers} workers on 127.0.0.1:{port}")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "nlatlas.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=os.environ.copy(),
            start_new_session=True,
        )
        self.base = f"127.0.0.1:{port}"
        for _ in range(100):
            try:
                if self.fetch("/healthz")[0] == 200:
                    return server
            except OSError:
                time.sleep(0.2)
        self.stop_server(server)
        raise CommandError("gunicorn did not answer on /healthz within 20 s")

    def stop_server(self, server: subprocess.Popen) -> None:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)

    def urls(self, options):
        only = options.get("only")
        return [(n, p) for n, p in KEY_URLS if not only or only in n or n.startswith("ceiling")]

    # Measuring -----------------------------------------------------------------------------

    def measure(self, name: str, path: str, options) -> dict:
        status, _body = self.fetch(path)
        if status != 200:
            raise CommandError(f"{name}: {path} answered {status}, not 200")
        self.wrk(path, 2, options["connections"])  # warm-up: caches, connections, imports
        figures = self.wrk(path, options["duration"], options["connections"])
        result = {
            "name": name,
            "path": path,
            "rps": round(figures["requests"] / (figures["duration_us"] / 1e6), 1),
            "p50_ms": figures["p50_us"] / 1000,
            "p95_ms": figures["p95_us"] / 1000,
            "p99_ms": figures["p99_us"] / 1000,
            "errors": sum(figures[k] for k in figures if k.startswith("errors")),
            "queries": self.queries(path),
            "gzip_kb": round(self.weight(path) / 1024, 1),
        }
        self.say(f"  {name}: {result['rps']} req/s, p95 {result['p95_ms']:.1f} ms")
        return result

    def wrk(self, path: str, seconds: int, connections: int) -> dict:
        command = [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(LUA),
            "-H",
            "Accept-Encoding: gzip",
            f"http://{self.base}{path}",
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        return json.loads(output.strip().splitlines()[-1])

    def fetch(self, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.base, timeout=30)
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, body

    def queries(self, path: str) -> int:
        """Queries of the page's own work, with the page cache off (a cache hit makes one)."""
        client = Client(HTTP_HOST="127.0.0.1")
        with override_settings(PUBLIC_PAGE_CACHE_SECONDS=0):
            client.get(path)  # warm the fragment caches, as the server's workers are
            with CaptureQueriesContext(connection) as captured:
                client.get(path)
        return len(captured.captured_queries)

    def weight(self, path: str) -> int:
        """Gzipped bytes of the page and of the stylesheets and scripts it loads."""
        gz = {"Accept-Encoding": "gzip"}
        _status, body = self.fetch(path, gz)
        total = len(body)
        _status, plain = self.fetch(path)
        assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js|svg))"', plain)
        for asset in dict.fromkeys(assets):
            total += len(self.fetch(asset.decode(), gz)[1])
        return total

    # Reporting -----------------------------------------------------------------------------

    def report(self, results: list[dict], options) -> dict:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        report = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "commit": commit,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
            "python": platform.python_version(),
            "database": connection.vendor,
            "size": options["size"],
            "connections": options["connections"],
            "workers": options["workers"],
            "duration_s": options["duration"],
            "results": results,
        }
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        name = f"bench-{connection.vendor}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        for target in (OUT_DIR / name, OUT_DIR / f"latest-{connection.vendor}.json"):
            target.write_text(json.dumps(report, indent=1))
        self.say(f"Report written to {OUT_DIR / name}")
        return report

    def print_table(self, report: dict, compare: str | None) -> None:
        previous = {}
        if compare:
            old = json.loads(Path(compare).read_text())
            previous = {r["name"]: r for r in old["results"]}
        header = (
            f"{'URL':<24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
            f"{'errors':>8}{'queries':>9}{'gzip KB':>9}{'ceiling':>9}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in report["results"]:
            ratio = f"{r['ceiling_ratio'] * 100:.0f}%" if r["ceiling_ratio"] else "-"
            line = (
                f"{r['name'][:23]:<24}{r['rps']:>9.1f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
                f"{r['p99_ms']:>9.1f}{r['errors']:>8}{r['queries']:>9}{r['gzip_kb']:>9.1f}"
                f"{ratio:>9}"
            )
            old = previous.get(r["name"])
            if old:
                rps, p95 = r["rps"] - old["rps"], r["p95_ms"] - old["p95_ms"]
                line += f"   req/s {rps:+.1f}, p95 {p95:+.1f} ms"
            self.stdout.write(line)

    def say(self, text: str) -> None:
        self.stdout.write(f"[bench] {text}")
        self.stdout.flush()

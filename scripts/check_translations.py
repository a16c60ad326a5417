#!/usr/bin/env python
"""Check the translation catalogues: every .po compiles, has no fuzzy or empty entries, and its
committed .mo is up to date. Run by `make test`; `make messages` refreshes them."""

import subprocess
import sys
import tempfile
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def check(po: Path) -> list[str]:
    problems = []
    mo = po.with_suffix(".mo")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fresh.mo"
        result = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", str(fresh), str(po)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            return [f"{po}: {result.stderr.strip()}"]
        stats = result.stderr.strip()
        if "fuzzy" in stats or "untranslated" in stats:
            problems.append(f"{po}: {stats}")
        if not mo.exists() or mo.read_bytes() != fresh.read_bytes():
            problems.append(f"{mo} is not compiled from the current {po.name}: run make messages")
    return problems


def main() -> int:
    catalogues = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
    if not catalogues:
        print("no catalogues found under locale/")
        return 1
    problems = [p for po in catalogues for p in check(po)]
    for problem in problems:
        print(problem)
    print(f"{len(catalogues)} catalogues checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Load the seed data (regions, countries, organisations, national libraries). Idempotent."""

from django.core.management.base import BaseCommand, CommandError

from functions.seed import FrameworkFileError, load_framework
from libraries.seed import SEED_DIR, SeedFileError, load_all


class Command(BaseCommand):
    help = "Load the seed data from data/seed/. Safe to run again: existing records are kept."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(SEED_DIR), help="folder with the seed files")
        parser.add_argument(
            "--update",
            action="store_true",
            help="also update existing libraries from the seed file (logged as changes)",
        )

    def handle(self, *args, **options):
        from pathlib import Path

        try:
            reports = load_all(Path(options["dir"]), update=options["update"])
        except SeedFileError as exc:
            raise CommandError(f"Nothing was loaded.\n{exc}") from exc
        for what, report in reports.items():
            self.stdout.write(
                f"{what}: {report.created} created, {report.updated} updated, "
                f"{report.unchanged} already present"
            )
        self.load_practices(Path(options["dir"]))
        framework_file = Path(options["dir"]) / "functions.yaml"
        if not framework_file.exists():
            self.stdout.write("function framework: no functions.yaml in this folder, skipped")
            return
        try:
            framework = load_framework(framework_file)
        except FrameworkFileError as exc:
            raise CommandError(f"The framework was not loaded.\n{exc}") from exc
        self.stdout.write(
            f"function framework: {framework.areas} areas, {framework.items} items, "
            f"{framework.editions} editions, {framework.rounds} rounds created, "
            f"{framework.translations} translations added"
        )

    def load_practices(self, folder) -> None:
        from practices.seed import CaseStudyFileError, load_case_studies

        path = folder / "du_case_studies.csv"
        if not path.exists():
            return
        try:
            report = load_case_studies(path)
        except CaseStudyFileError as exc:
            raise CommandError(f"The case studies were not loaded.\n{exc}") from exc
        self.stdout.write(
            f"practices: {report.kinds} kinds, {report.practices} case studies created, "
            f"{report.unchanged} already present"
        )

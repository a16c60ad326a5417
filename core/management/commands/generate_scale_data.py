"""Fill the database with generated, clearly marked synthetic data at a named size.

small: the real seed data only (what `make run` loads).
large: the real seed data plus 2,000 synthetic libraries, their memberships and a history of
       edits for each (so lists, maps, the API and /changes/ are measured at scale).
Synthetic libraries also get a demo profile in the first round of the function framework.

Synthetic libraries carry `is_synthetic=True`, a name starting with "Synthetic library", and are
labelled as synthetic on every page. `--remove` deletes them and their history again.
"""

from __future__ import annotations

import random
import time

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.choices import ChangeAction, FactStatus
from core.models import Change
from libraries.models import Country, Library, Membership, Organisation, normalise

SIZES = {"small": 0, "large": 2000}
EDITS_PER_LIBRARY = 4
BATCH = 1000
CITIES = ("Capital", "Harbour Town", "Old Town", "New City", "River City", "Hill Town")


class Command(BaseCommand):
    help = "Generate synthetic data for benchmarks: --size small|large (deterministic, --seed)."

    def add_arguments(self, parser):
        parser.add_argument("--size", default="small", help="small or large")
        parser.add_argument("--seed", type=int, default=2020, help="random seed (default 2020)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="add synthetic data even though people have contributed real changes",
        )
        parser.add_argument("--remove", action="store_true", help="remove all synthetic data")
        parser.add_argument(
            "--libraries", type=int, help="number of synthetic libraries (overrides the size)"
        )
        parser.add_argument(
            "--skip-seed", action="store_true", help="do not load the real seed data first"
        )

    def handle(self, *args, **options):
        if options["remove"]:
            self.remove()
            return
        size = options["size"]
        if size not in SIZES:
            raise CommandError(f"Unknown size {size!r}: choose one of {', '.join(SIZES)}.")
        self.refuse_mixing(options["force"])
        started = time.monotonic()
        if not options["skip_seed"]:
            self.step("Loading the real seed data")
            call_command("load_seed", stdout=self.stdout)
        wanted = SIZES[size] if options["libraries"] is None else options["libraries"]
        if wanted < 0:
            raise CommandError("--libraries must be zero or more.")
        have = Library.objects.filter(is_synthetic=True).count()
        if have >= wanted:
            self.step(f"{have} synthetic libraries already present; nothing to add")
        else:
            self.add_libraries(have, wanted, random.Random(options["seed"]))
        self.add_profiles(options["seed"])
        self.step(f"Done in {time.monotonic() - started:.1f} s")

    def step(self, text: str) -> None:
        self.stdout.write(f"[scale] {text}")
        self.stdout.flush()

    def refuse_mixing(self, force: bool) -> None:
        """Synthetic data must never be mixed silently into a database people work in."""
        real = Change.objects.filter(user__isnull=False).count()
        if real and not force:
            raise CommandError(
                f"This database holds {real} changes made by people. Synthetic data would mix "
                "with real contributions; use an empty database, or --force if you are sure."
            )
        if real:
            self.stderr.write(f"Warning: adding synthetic data beside {real} real changes.")

    def add_libraries(self, have: int, wanted: int, rng: random.Random) -> None:
        countries = list(
            Country.objects.filter(region__isnull=False).values_list("iso2", flat=True)
        )
        organisations = list(Organisation.objects.all())
        self.step(f"Creating {wanted - have} synthetic libraries")
        with transaction.atomic():
            for start in range(have, wanted, BATCH):
                numbers = range(start, min(start + BATCH, wanted))
                libraries = Library.objects.bulk_create(
                    [self.library(n, rng.choice(countries), rng) for n in numbers]
                )
                self.add_memberships(libraries, organisations, rng)
                self.add_history(libraries, rng)
                self.step(f"  {start + len(libraries)} / {wanted}")

    def add_profiles(self, seed: int) -> None:
        """Demo answers in the first round for every synthetic library that has none."""
        from functions import demo
        from functions.models import Round

        round_ = Round.objects.select_related("edition").order_by("year").first()
        if round_ is None:
            return
        libraries = Library.objects.filter(is_synthetic=True).select_related("country")
        made = demo.generate(round_, libraries, seed=seed)
        self.step(f"{made} demo profiles added for synthetic libraries in {round_}")

    def library(self, number: int, iso2: str, rng: random.Random) -> Library:
        name = f"Synthetic library {number + 1:05d}"
        city = rng.choice(CITIES)
        return Library(
            slug=f"synthetic-library-{number + 1:05d}",
            name=name,
            country_id=iso2,
            city=city,
            native_name=f"Bibliothèque synthétique {number + 1:05d}",
            founded=rng.randint(1700, 2020),
            latitude=rng.uniform(-50, 70),
            longitude=rng.uniform(-170, 170),
            is_synthetic=True,
            version=EDITS_PER_LIBRARY + 1,
            search_text=normalise(f"{name} Bibliothèque synthétique {number + 1:05d} {city}"),
            facts={
                f: {"status": FactStatus.UNVERIFIED, "source": "synthetic"}
                for f in ("name", "native_name", "city", "founded", "coordinates")
            },
            source_note="Synthetic data generated for benchmarks; not a real library.",
        )

    def add_memberships(self, libraries, organisations, rng: random.Random) -> None:
        memberships = []
        for library in libraries:
            for organisation in rng.sample(organisations, k=rng.randint(0, 2)):
                status = rng.choice(["confirmed", "inferred"])
                memberships.append(
                    Membership(library=library, organisation=organisation, status=status)
                )
        Membership.objects.bulk_create(memberships)

    def add_history(self, libraries, rng: random.Random) -> None:
        ct = ContentType.objects.get_for_model(Library)
        changes = []
        for library in libraries:
            base = {
                "content_type": ct,
                "object_id": str(library.pk),
                "object_repr": library.name,
                "related_content_type": ct,
                "related_object_id": str(library.pk),
                "related_repr": library.name,
                "user_name": "synthetic data",
            }
            changes.append(
                Change(
                    action=ChangeAction.CREATE,
                    object_version=1,
                    before=None,
                    after={"name": library.name},
                    reason="Synthetic data",
                    **base,
                )
            )
            for version in range(2, EDITS_PER_LIBRARY + 2):
                changes.append(
                    Change(
                        action=ChangeAction.UPDATE,
                        object_version=version,
                        before={"founded": rng.randint(1700, 2020)},
                        after={"founded": library.founded},
                        reason="Synthetic edit",
                        **base,
                    )
                )
        Change.objects.bulk_create(changes, batch_size=BATCH)

    def remove(self) -> None:
        ct = ContentType.objects.get_for_model(Library)
        with transaction.atomic():
            ids = [
                str(pk)
                for pk in Library.objects.filter(is_synthetic=True).values_list("pk", flat=True)
            ]
            changes = 0
            for start in range(0, len(ids), BATCH):
                changes += Change.objects.filter(
                    related_content_type=ct, related_object_id__in=ids[start : start + BATCH]
                ).delete()[0]
            libraries = Library.objects.filter(is_synthetic=True).delete()[0]
        self.step(
            f"Removed synthetic data: {libraries} rows of libraries and memberships, "
            f"{changes} changes"
        )

"""Fill the database with clearly marked synthetic practices, for benchmarks.

`manage.py generate_practices --count 20000 [--seed N]` bulk-creates published practices with
one revision each, varied enough that facets and search behave as with real data: four kinds
(unevenly), 1-3 countries drawn with a long tail, 0-3 function areas and items, start years
1985-2026, a dozen languages, and titles, summaries and descriptions drawn from a vocabulary
with a few very common and many rare words (some with accents). The same --seed gives the same
practices. They carry `is_synthetic=True`, a title starting with "Synthetic practice" and a
revision saying so; the search index is filled (SQLite: FTS5 rows, PostgreSQL: nothing to do).

`--remove` deletes them again with their revisions, links, index rows and change log. Like
generate_scale_data, the command refuses a database where people have contributed, unless
--force is given.
"""

from __future__ import annotations

import datetime
import random
import time

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from core.choices import ChangeAction
from core.models import Change
from libraries.models import Country, Library
from practices import facets, search, seed
from practices.choices import PracticeStatus, ProjectStatus, RevisionKind
from practices.content import empty_content
from practices.models import CODE_ALPHABET, Kind, Practice, Revision

BATCH = 2000
TITLE_PREFIX = "Synthetic practice"
NOTE = "Synthetic data generated for benchmarks; not a real practice."
KIND_WEIGHTS = {"digital-unification": 50, "best-practice": 30, "legal-deposit": 12, "other": 8}
STATUS_WEIGHTS = {
    ProjectStatus.COMPLETED: 45,
    ProjectStatus.ONGOING: 35,
    ProjectStatus.PLANNED: 8,
    ProjectStatus.FROZEN: 7,
    "": 5,
}
LANGUAGE_WEIGHTS = {
    "en": 52,
    "fr": 12,
    "de": 8,
    "es": 6,
    "it": 4,
    "nl": 3,
    "pt": 3,
    "ru": 3,
    "ar": 2,
    "zh": 2,
    "ja": 2,
    "pl": 2,
    "sv": 1,
}
# Ordered from common to rare: a word's chance falls with its place (Zipf), so some searches
# match thousands of practices and others a handful.
WORDS = """
library national digital collection manuscripts project heritage online access catalogue
archive portal images metadata cooperation partners museum digitisation reunification
virtual books maps newspapers rare medieval research users public open licence quality
preservation standards iiif viewer platform funding training network regional university
bibliothèque numérique patrimoine archives culturel européenne musée fonds ouvrages anciens
photographs letters music scores periodicals charters papyri codices incunabula fragments
dispersed scattered holdings returned shared common linked data identifiers authority records
wikidata transcription translation crowdsourcing volunteers schools exhibition outreach
conservation condition survey inventory provenance ownership copyright rights agreement
consortium memorandum ministry foundation grant budget staff workflow scanning cameras
resolution colour calibration storage repository backup migration formats tiff jpeg2000
manifests annotations search discovery interface mobile accessibility languages scripts
arabic hebrew persian syriac coptic greek latin armenian georgian ethiopic tamil sanskrit
chinese japanese korean mongolian tibetan uyghur malay javanese swahili amharic yoruba
legal deposit websites harvesting born-digital ebooks journals software games audiovisual
radio television films recordings oral history indigenous communities diaspora colonial
restitution repatriation dialogue partnership twinning exchange mission expedition collector
monastery abbey cathedral chapter court royal imperial ducal princely noble family merchant
sinai lorsch palatina clairvaux corvina reichenau dunhuang timbuktu chinguetti alexandria
sénégal québec bogotá são paulo kraków zürich genève reykjavík tromsø dakar bamako niamey
gallica europeana biblissima fragmentarium manuscriptorium monasterium handrit ktiv shahnama
"""
VOCABULARY = WORDS.split()
TAGS = (
    "digital unification",
    "manuscripts",
    "maps",
    "newspapers",
    "IIIF",
    "legal deposit",
    "web archiving",
    "crowdsourcing",
    "linked data",
    "conservation",
    "training",
    "outreach",
    "restitution",
    "music",
    "photographs",
)
SYLLABLES = ("ka", "lo", "ri", "sa", "ven", "dor", "mi", "tal", "bru", "ne", "quo", "zan", "fel")
NAMES = 6000  # invented proper names, each in a few practices: searches with few results
INSTITUTION_WORDS = ("University Library", "State Archives", "City Library", "Museum", "Institute")
HEADINGS = ("Goals", "What was done", "Partners", "Results", "Lessons learned", "Sustainability")


def code_for(number: int) -> str:
    """A stable public code for synthetic practice `number` ("s-" and six letters or digits)."""
    letters = []
    for _ in range(6):
        number, digit = divmod(number, len(CODE_ALPHABET))
        letters.append(CODE_ALPHABET[digit])
    return "s-" + "".join(reversed(letters))


def weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Command(BaseCommand):
    help = "Generate synthetic published practices for benchmarks (--count, --seed, --remove)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=20000, help="practices wanted in all")
        parser.add_argument("--seed", type=int, default=2020, help="random seed (default 2020)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="add synthetic data even though people have contributed real changes",
        )
        parser.add_argument("--remove", action="store_true", help="remove all synthetic practices")
        parser.add_argument(
            "--skip-seed", action="store_true", help="do not load the real seed data first"
        )

    def handle(self, *args, **options):
        if options["remove"]:
            self.remove()
            facets.forget()  # bulk writes send no signals
            return
        if options["count"] < 0:
            raise CommandError("--count must be zero or more.")
        self.refuse_mixing(options["force"])
        started = time.monotonic()
        if not options["skip_seed"]:
            self.step("Loading the real seed data")
            call_command("load_seed", stdout=self.stdout)
        seed.load_kinds()
        have = Practice.objects.filter(is_synthetic=True).count()
        if have >= options["count"]:
            self.step(f"{have} synthetic practices already present; nothing to add")
        else:
            self.add(have, options["count"], options["seed"])
            facets.forget()  # bulk writes send no signals
            self.check_search()
        self.step(f"Done in {time.monotonic() - started:.1f} s")

    def step(self, text: str) -> None:
        self.stdout.write(f"[practices] {text}")
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

    # Creating ----------------------------------------------------------------------------------

    def add(self, have: int, wanted: int, seed_value: int) -> None:
        from functions.models import Item

        countries = list(
            Country.objects.filter(region__isnull=False)
            .order_by("iso2")
            .values_list("iso2", flat=True)
        )
        if not countries:
            raise CommandError("No countries: run `manage.py load_seed` first.")
        order = random.Random(seed_value)
        order.shuffle(countries)  # which countries are common depends on the seed only
        self.reference = {
            "countries": countries,
            "country_weights": [1 / (rank + 1) ** 0.9 for rank in range(len(countries))],
            "kinds": dict(Kind.objects.values_list("slug", "pk")),
            "items": {},
            "libraries": list(
                Library.objects.order_by("slug").values_list("pk", "slug", "name")[:400]
            ),
        }
        for pk, code, area_code, area_pk in Item.objects.order_by("code").values_list(
            "pk", "code", "area__code", "area_id"
        ):
            self.reference["items"].setdefault((area_code, area_pk), []).append((code, pk))
        self.areas = sorted(self.reference["items"])
        self.words = list(VOCABULARY)
        names = random.Random(f"{seed_value}:names")
        self.names = [
            "".join(names.choices(SYLLABLES, k=names.randint(2, 4))).capitalize()
            for _ in range(NAMES)
        ]
        self.word_weights = [1 / (rank + 1) ** 1.05 for rank in range(len(self.words))]
        self.step(f"Creating {wanted - have} synthetic practices")
        with transaction.atomic():
            for start in range(have, wanted, BATCH):
                numbers = range(start, min(start + BATCH, wanted))
                self.add_batch([self.generate(n, seed_value) for n in numbers])
                self.step(f"  {numbers[-1] + 1} / {wanted}")

    def check_search(self) -> None:
        """The last practice made must be found by its title, or the index was not filled."""
        last = Practice.objects.filter(is_synthetic=True).order_by("-pk").first()
        found = search.matching(Practice.objects.filter(pk=last.pk), last.title)
        if not found.exists():
            raise CommandError(
                f"{last.code} is not found by its title: the search index was not filled in the "
                "way practices/search.py reads it; update index() in this command."
            )

    def sentence(self, rng: random.Random, low: int, high: int) -> str:
        words = rng.choices(self.words, weights=self.word_weights, k=rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def generate(self, number: int, seed_value: int) -> dict:
        """Everything about synthetic practice `number`: the same for the same seed."""
        rng = random.Random(f"{seed_value}:{number}")
        ref = self.reference
        kind = weighted(rng, KIND_WEIGHTS)
        status = weighted(rng, STATUS_WEIGHTS)
        countries = list(
            dict.fromkeys(
                rng.choices(
                    ref["countries"], weights=ref["country_weights"], k=rng.choice([1, 1, 2, 3])
                )
            )
        )
        areas = rng.sample(self.areas, k=min(len(self.areas), rng.choice([0, 1, 1, 2, 3])))
        items = [rng.choice(self.reference["items"][area]) for area in areas if rng.random() < 0.6]
        start = None if rng.random() < 0.04 else min(2026, int(rng.triangular(1985, 2027, 2018)))
        end = None
        if start and status in (ProjectStatus.COMPLETED, ProjectStatus.FROZEN):
            end = min(start + rng.randint(0, 8), datetime.date.today().year)
        libraries = rng.sample(
            ref["libraries"], k=min(len(ref["libraries"]), rng.choice([0, 0, 1, 2]))
        )
        institutions = [
            {"name": name, "library": slug, "role": "lead" if i == 0 else "partner", "country": ""}
            for i, (_pk, slug, name) in enumerate(libraries)
        ]
        for _ in range(rng.randint(0, 2)):
            institutions.append(
                {
                    "name": f"{rng.choice(self.names)} {rng.choice(INSTITUTION_WORDS)}",
                    "library": "",
                    "role": rng.choice(["partner", "funder", "technical", "holder"]),
                    "country": "",
                }
            )
        name = rng.choice(self.names)
        title_words = rng.choices(self.words, weights=self.word_weights, k=rng.randint(2, 5))
        title_words.insert(rng.randint(0, len(title_words)), name)
        paragraphs = []
        for heading in rng.sample(HEADINGS, k=rng.randint(1, 3)):
            paragraphs.append(f"## {heading}")
            paragraphs.append(" ".join(self.sentence(rng, 8, 22) for _ in range(rng.randint(2, 5))))
        content = empty_content()
        content.update(
            title=f"{TITLE_PREFIX} {number + 1:05d}: {' '.join(title_words)}",
            summary=" ".join(self.sentence(rng, 10, 25) for _ in range(rng.randint(1, 2))),
            body="\n\n".join(paragraphs),
            language=weighted(rng, LANGUAGE_WEIGHTS),
            kind=kind,
            project_status=status,
            start_year=start,
            end_year=end,
            countries=countries,
            institutions=institutions,
            areas=[code for code, _pk in areas],
            items=[code for code, _pk in items],
            tags=rng.sample(TAGS, k=rng.randint(0, 3)),
            urls=[
                {
                    "url": f"https://example.org/synthetic/{number + 1}",
                    "archived_url": "",
                    "label": "",
                }
            ],
            sources=[{"citation": NOTE, "url": "", "last_verified": ""}],
        )
        published = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
            minutes=number * 211 % (11 * 365 * 24 * 60)
        )
        return {
            "number": number,
            "content": content,
            "published_at": published,
            "views": int(rng.paretovariate(1.3) * 5) - 5,
            "countries": countries,
            "areas": [pk for _code, pk in areas],
            "items": [pk for _code, pk in items],
            "libraries": [pk for pk, _slug, _name in libraries],
        }

    def add_batch(self, rows: list[dict]) -> None:
        kinds = self.reference["kinds"]
        practices = Practice.objects.bulk_create(
            [
                Practice(
                    code=code_for(row["number"]),
                    status=PracticeStatus.PUBLISHED,
                    kind_id=kinds[row["content"]["kind"]],
                    is_synthetic=True,
                    title=row["content"]["title"],
                    summary=row["content"]["summary"],
                    language=row["content"]["language"],
                    project_status=row["content"]["project_status"],
                    start_year=row["content"]["start_year"],
                    end_year=row["content"]["end_year"],
                    published_at=row["published_at"],
                    view_count=max(0, row["views"]),
                )
                for row in rows
            ]
        )
        Revision.objects.bulk_create(
            [
                Revision(
                    practice=practice,
                    number=1,
                    content=row["content"],
                    kind=RevisionKind.SEED,
                    author_name="synthetic data",
                    message=NOTE,
                )
                for practice, row in zip(practices, rows, strict=True)
            ]
        )
        ids = [p.pk for p in practices]
        first = Revision.objects.filter(practice=OuterRef("pk"), number=1).values("pk")[:1]
        Practice.objects.filter(pk__in=ids).update(
            current=Subquery(first), published=Subquery(first)
        )
        self.add_links(practices, rows)
        self.add_history(practices)
        search.index_many([(p.pk, row["content"]) for p, row in zip(practices, rows, strict=True)])

    def add_links(self, practices, rows) -> None:
        for name, key in (
            ("countries", "country_id"),
            ("areas", "area_id"),
            ("items", "item_id"),
            ("libraries", "library_id"),
        ):
            through = getattr(Practice, name).through
            through.objects.bulk_create(
                [
                    through(practice_id=practice.pk, **{key: value})
                    for practice, row in zip(practices, rows, strict=True)
                    for value in row[name]
                ]
            )

    def add_history(self, practices) -> None:
        ct = ContentType.objects.get_for_model(Practice)
        now = timezone.now()
        Change.objects.bulk_create(
            [
                Change(
                    user_name="synthetic data",
                    action=ChangeAction.CREATE,
                    content_type=ct,
                    object_id=str(p.pk),
                    object_repr=p.title[:300],
                    object_version=1,
                    related_content_type=ct,
                    related_object_id=str(p.pk),
                    related_repr=p.title[:300],
                    before=None,
                    after={"status": p.status, "kind": None, "title": p.title},
                    reason=NOTE,
                    is_public=True,
                    created_at=now,
                )
                for p in practices
            ]
        )

    # Removing ----------------------------------------------------------------------------------

    def remove(self) -> None:
        ct = ContentType.objects.get_for_model(Practice)
        synthetic = Practice.objects.filter(is_synthetic=True)
        with transaction.atomic():
            ids = list(synthetic.values_list("pk", flat=True))
            changes = 0
            for start in range(0, len(ids), BATCH):
                chunk = ids[start : start + BATCH]
                changes += Change.objects.filter(
                    related_content_type=ct, related_object_id__in=[str(i) for i in chunk]
                ).delete()[0]
                search.index_many([(pk, None) for pk in chunk])
            synthetic.update(current=None, published=None)
            Revision.objects.filter(practice__is_synthetic=True).update(based_on=None)
            revisions = Revision.objects.filter(practice__is_synthetic=True)
            revisions = revisions._raw_delete(revisions.db)  # nothing else points at them now
            practices = synthetic.delete()[0]
        self.step(
            f"Removed {len(ids)} synthetic practices ({practices} rows with their links), "
            f"{revisions} revisions and {changes} changes"
        )

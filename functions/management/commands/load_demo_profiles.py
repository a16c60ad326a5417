"""Generate demo answers for the real libraries in a round (what `make run` shows at first)."""

from django.core.management.base import BaseCommand, CommandError

from functions import demo
from functions.models import Round
from libraries.models import Library


class Command(BaseCommand):
    help = (
        "Generate demo profiles (published, labelled 'demo data') for real libraries that have "
        "none in the round. Remove them with remove_demo_profiles."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, help="the round's year (default: the latest)")
        parser.add_argument("--seed", type=int, default=2020, help="random seed (default 2020)")
        parser.add_argument(
            "--again",
            action="store_true",
            help="generate them even though a moderator removed demo data before",
        )

    def handle(self, *args, **options):
        rounds = Round.objects.select_related("edition")
        round_ = (
            rounds.filter(year=options["round"]).first() if options["round"] else rounds.first()
        )
        if round_ is None:
            raise CommandError("No such round. Load the framework first: manage.py load_seed.")
        if demo.was_removed() and not options["again"]:
            self.stdout.write("demo profiles: not generated, a moderator removed demo data before")
            return
        libraries = Library.objects.filter(is_synthetic=False).select_related("country")
        made = demo.generate(round_, libraries, seed=options["seed"])
        self.stdout.write(f"demo profiles: {made} created in {round_}")

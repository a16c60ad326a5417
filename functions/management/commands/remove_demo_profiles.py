"""Delete every generated demo profile; each deletion is recorded in the change log."""

from django.core.management.base import BaseCommand

from core.actors import COMMAND
from functions.services import remove_demo_data


class Command(BaseCommand):
    help = "Remove all demo profiles and their answers (real answers are never touched)."

    def handle(self, *args, **options):
        removed = remove_demo_data(user=COMMAND)
        self.stdout.write(f"demo profiles removed: {removed}")

"""Create the demo administrator for a local installation, once, with a random password."""

import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.choices import Role
from accounts.models import User


class Command(BaseCommand):
    help = "Create a demo administrator with a random password if no administrator exists."

    def handle(self, *args, **options):
        email = settings.DEMO_ADMIN_EMAIL
        if User.objects.filter(role=Role.ADMINISTRATOR).exists():
            self.stdout.write(
                f"Sign in at {settings.SITE_URL}/accounts/login/ as an administrator "
                f"(the demo one is {email}; its password was printed when it was created; "
                f"`python manage.py changepassword {email}` sets a new one)."
            )
            return
        if not settings.DEBUG:
            self.stdout.write(
                "DEBUG is off: no demo administrator is created. "
                "Use `python manage.py createsuperuser`."
            )
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(email, password, display_name="Demo administrator")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        self.stdout.write(
            self.style.SUCCESS(
                "\nA demo administrator was created. This password is shown only once:\n"
                f"  e-mail:   {email}\n  password: {password}\n"
                f"Sign in at {settings.SITE_URL}/accounts/login/\n"
            )
        )

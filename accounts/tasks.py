"""Background work for accounts: e-mail to one user."""

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email_to_user(email: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=False)

"""People: users with a role, their library affiliations, and on-site notifications."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from .choices import AffiliationStatus, Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


def interface_languages():
    """The languages of the interface (settings.LANGUAGES), read when asked, so that adding a
    language needs no migration."""
    return settings.LANGUAGES


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account; signs in with a verified e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=15, choices=Role.choices, default=Role.MEMBER)
    preferred_language = models.CharField(
        _("preferred interface language"),
        max_length=10,
        choices=interface_languages,
        blank=True,
    )
    is_staff = models.BooleanField(_("can use the admin site"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    @property
    def is_moderator(self) -> bool:
        return self.is_active and (
            self.is_superuser or self.role in (Role.MODERATOR, Role.ADMINISTRATOR)
        )

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == Role.ADMINISTRATOR)


class Affiliation(TimeStampedModel):
    """A member's request to contribute for one library, and the moderator's decision."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="affiliations",
    )
    library = models.ForeignKey(
        "libraries.Library",
        verbose_name=_("library"),
        on_delete=models.CASCADE,
        related_name="affiliations",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AffiliationStatus.choices,
        default=AffiliationStatus.PENDING,
    )
    message = models.TextField(_("message to the moderators"), max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("moderator's comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "library"],
                condition=Q(status__in=["pending", "approved"]),
                name="affiliation_one_open_per_library",
                violation_error_message=_(
                    "You already have a pending or approved request for this library."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.library}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile")

    def related_for_history(self):
        return self.library


class Notification(models.Model):
    """A message shown to one user on the site (and usually also sent by e-mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return self.url or reverse("accounts:profile")

"""Cross-cutting models: timestamps, versions for optimistic locking, and the change log."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .choices import ChangeAction


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Versioned(TimeStampedModel):
    """An object edited by people: every saved edit raises `version`, so a stale edit is caught.

    Subclasses list the fields kept in the change log in `history_fields` and may override
    `snapshot()` / `restore()` when a field needs a readable form.
    """

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    history_fields: tuple[str, ...] = ()
    # False for objects restored another way (e.g. practices, from their revisions).
    revertible_in_change_log = True

    class Meta:
        abstract = True

    def snapshot(self) -> dict:
        return {name: _plain(getattr(self, _attname(self, name))) for name in self.history_fields}

    def restore(self, values: dict) -> None:
        for name, value in values.items():
            if name in self.history_fields:
                setattr(self, _attname(self, name), value)

    def related_for_history(self) -> models.Model:
        """The object whose history page lists changes to this one (e.g. the library)."""
        return self

    @classmethod
    def history_label(cls, name: str) -> str:
        try:
            return str(cls._meta.get_field(name).verbose_name)
        except Exception:  # noqa: BLE001 - a snapshot key that is not a model field
            return name.replace("_", " ")


def _attname(obj: models.Model, name: str) -> str:
    field = obj._meta.get_field(name)
    return field.attname


def _plain(value):
    """JSON-friendly value for the change log."""
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)


class Change(models.Model):
    """One recorded change to one object, written by the service layer in the same transaction."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
    )
    user_name = models.CharField(_("user name"), max_length=200, blank=True)
    request_id = models.CharField(_("request id"), max_length=36, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of object"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    object_version = models.PositiveIntegerField(_("version after the change"), null=True)
    related_content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    related_object_id = models.CharField(max_length=64, blank=True)
    related_repr = models.CharField(_("related object"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason for change"), blank=True)
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Unpublished work (e.g. a draft profile) is logged for its editors only."),
    )
    reverts = models.ForeignKey(
        "self",
        verbose_name=_("reverts"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reverted_by",
    )

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="change_object_idx"),
            models.Index(
                fields=["related_content_type", "related_object_id"], name="change_related_idx"
            ),
        ]

    def __str__(self) -> str:
        return _("%(object)s: %(action)s") % {
            "object": self.object_repr,
            "action": self.get_action_display(),
        }

    def get_absolute_url(self) -> str:
        return reverse("core:change", args=[self.pk])

    @property
    def model_class(self):
        return self.content_type.model_class()

    def diff(self) -> list[tuple[str, object, object]]:
        """Readable field-by-field differences: (label, before, after) for each changed field."""
        before, after = self.before or {}, self.after or {}
        model = self.model_class
        rows = []
        for key in dict.fromkeys([*before, *after]):
            old, new = before.get(key), after.get(key)
            if old != new:
                label = model.history_label(key) if hasattr(model, "history_label") else key
                rows.append((label, _choice_label(model, key, old), _choice_label(model, key, new)))
        return rows


def _choice_label(model, key: str, value):
    """The readable (translated) label of a stored choice, e.g. "confirmed" → "confirmée"."""
    try:
        field = model._meta.get_field(key)
    except Exception:  # noqa: BLE001 - snapshot keys that are not fields keep their value
        return value
    return dict(field.flatchoices).get(value, value) if field.choices else value

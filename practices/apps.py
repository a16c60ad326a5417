from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Case studies and best practices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import facets, search

        facets.connect_signals()
        search.connect_signals()

"""Atom feed of newly published practices, with the same filters as the list."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.db.models import F
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .choices import PracticeStatus
from .filters import PracticeFilterSet
from .models import Practice

FEED_SIZE = 50


class PublishedFeed(Feed):
    """The newest published practices first; the list's filters narrow it (?country=FR…)."""

    feed_type = Atom1Feed
    title = _("NL Atlas: newly published practices")
    subtitle = _("Case studies and best practices of national libraries")

    def get_object(self, request):
        # The feed object is shared between requests: carry the filtered practices, not the
        # request.
        published = Practice.objects.filter(status=PracticeStatus.PUBLISHED).select_related("kind")
        filterset = PracticeFilterSet(request.GET or None, queryset=published)
        return filterset.qs.order_by(F("published_at").desc(nulls_last=True), "-pk")

    def link(self):
        return reverse("practices:list")

    def items(self, practices):
        return practices[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [str(item.kind)]

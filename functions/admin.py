"""Read-only admin views: the framework, rounds and profiles change through the site's pages and
the API, which log every change."""

from django.contrib import admin

from libraries.admin import ReadOnlyAdmin

from .models import Answer, Area, FrameworkEdition, Item, Profile, Round


@admin.register(Area)
class AreaAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "weight", "version"]


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ["code", "text", "answer_type", "retired", "version"]
    list_filter = ["area", "answer_type", "retired"]
    search_fields = ["code", "text"]


@admin.register(FrameworkEdition)
class FrameworkEditionAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "status", "published_at"]


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ["name", "year", "edition", "status", "is_beta"]


@admin.register(Profile)
class ProfileAdmin(ReadOnlyAdmin):
    list_display = ["library", "round", "status", "answered", "is_demo", "version"]
    list_filter = ["round", "status", "is_demo"]
    search_fields = ["library__name"]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["profile", "item", "value"]
    list_filter = ["item__area"]

"""The admin stays available to administrators; everyday edits go through the site's pages,
which log every change. Admin edits are read-only for logged models so history stays whole."""

from django.contrib import admin

from .models import Country, Library, Membership, Organisation, Region


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Library)
class LibraryAdmin(ReadOnlyAdmin):
    list_display = ["name", "country", "city", "founded", "version"]
    search_fields = ["name", "native_name"]
    list_filter = ["country__region"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["library", "organisation", "status", "role"]


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["iso2", "iso3", "name", "region", "subregion"]
    search_fields = ["name", "iso2", "iso3"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]

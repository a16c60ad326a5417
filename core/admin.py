from django.contrib import admin

from .models import Change


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """The change log is append-only, also in the admin."""

    list_display = ["created_at", "action", "object_repr", "user_name", "reason"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "user_name", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

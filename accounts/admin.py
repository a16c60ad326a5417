from django.contrib import admin

from .models import Affiliation, Notification, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "display_name", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "display_name"]
    exclude = ["password"]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ["user", "library", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    raw_id_fields = ["user", "library", "decided_by"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "text", "created_at", "read_at"]

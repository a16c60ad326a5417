from django.contrib import admin

from . import services
from .models import Affiliation, Notification, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "display_name", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "display_name"]
    exclude = ["password", "is_superuser", "is_staff", "groups", "user_permissions"]
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        # Roles change through the service, so the change is logged and staff flags follow.
        role = form.cleaned_data.get("role")
        if change and "role" in form.changed_data:
            obj.role = User.objects.get(pk=obj.pk).role
            super().save_model(request, obj, form, change)
            services.set_role(obj, role, by=request.user, reason="Changed in the admin site")
        else:
            super().save_model(request, obj, form, change)


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ["user", "library", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    raw_id_fields = ["user", "library", "decided_by"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "text", "created_at", "read_at"]

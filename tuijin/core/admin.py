"""Django admin for the system administrator (in Chinese through LANGUAGE_CODE)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Person, PersonRole, Region, SecurityEvent, Unit, User, WorkdayOverride
from .sessions import end_sessions


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "is_active", "last_login"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("推进", {"fields": ["region", "display_name"]})]
    actions = ["end_user_sessions"]

    @admin.action(description="结束所选账号的全部登录会话")
    def end_user_sessions(self, request, queryset):
        ended = sum(end_sessions(user) for user in queryset)
        self.message_user(request, f"已结束 {ended} 个登录会话")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent"]
    search_fields = ["name", "code"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "order", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "short_name"]


class PersonRoleInline(admin.TabularInline):
    model = PersonRole
    extra = 0


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "unit", "mobile", "user"]
    list_filter = ["unit__kind", "roles__role"]
    search_fields = ["name", "pinyin_initials", "mobile", "unit__name"]
    autocomplete_fields = ["unit", "user"]
    inlines = [PersonRoleInline]


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note", "created_by"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    exclude = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read-only: the security log is written by the application alone."""

    list_display = ["at", "kind", "username", "ip", "path"]
    list_filter = ["kind"]
    search_fields = ["username", "ip"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Django admin for the system administrator (in Chinese through LANGUAGE_CODE)."""

from auditlog.admin import LogEntryAdmin as BaseLogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from . import security
from .models import Person, PersonRole, Region, SecurityEvent, Unit, User, WorkdayOverride
from .roles import Role
from .scoping import scope_of
from .sessions import end_sessions

# Roles are fixed in code (tuijin.core.accounts.ensure_roles) and assigned by the security
# administrator on his page: no group editing here, by anyone.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Accounts, for the system administrator: open, disable, edit. Roles, permissions and
    the superuser flag are shown, not changed (the security administrator's duty)."""

    list_display = ["username", "display_name", "is_active", "last_login"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("推进", {"fields": ["region", "display_name"]})]
    readonly_fields = ["groups", "user_permissions", "is_superuser", "last_login", "date_joined"]
    actions = ["end_user_sessions"]

    @admin.action(description="结束所选账号的全部登录会话")
    def end_user_sessions(self, request, queryset):
        users = list(queryset)
        ended = sum(end_sessions(user) for user in users)
        names = "、".join(u.get_username() for u in users)[:300]
        security.record_admin(f"结束账号 {names} 的 {ended} 个登录会话", request)
        self.message_user(request, f"已结束 {ended} 个登录会话")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            security.record_admin(f"开通账号 {obj.get_username()}", request)
        elif "is_active" in form.changed_data:
            verb = "启用" if obj.is_active else "停用"
            security.record_admin(f"{verb}账号 {obj.get_username()}", request)


def _reads_the_trail(request) -> bool:
    return Role.AUDIT_ADMIN in scope_of(request.user).roles


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class LogEntryAdmin(BaseLogEntryAdmin):
    """Read-only, and only for the audit administrator: not the system administrator's."""

    def has_view_permission(self, request, obj=None):
        return _reads_the_trail(request)

    def has_module_permission(self, request):
        return _reads_the_trail(request)

    def has_delete_permission(self, request, obj=None):
        return False


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
    search_fields = ["name", "pinyin_initials", "=mobile", "unit__name"]
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
    """Read-only: the security log is written by the application alone, and read by the
    security and audit administrators (their pages), not the system administrator."""

    list_display = ["at", "kind", "result", "username", "ip", "path", "detail"]
    list_filter = ["kind", "result"]
    search_fields = ["username", "ip"]

    def has_view_permission(self, request, obj=None):
        return bool(scope_of(request.user).roles & {Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Receivers: sign-in events and Django admin actions into the security log, roles and planner
statistics after migrations, a disabled account's sessions ended."""

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver

from . import security
from .models import SecurityEvent, User
from .sessions import end_sessions, hold_after_login, start


@receiver(user_logged_in, dispatch_uid="tuijin_login")
def on_login(sender, request, user, **kwargs):
    security.record(SecurityEvent.Kind.LOGIN, request, user=user)
    start(request)
    hold_after_login(request, user)


@receiver(user_logged_out, dispatch_uid="tuijin_logout")
def on_logout(sender, request, user, **kwargs):
    security.record(SecurityEvent.Kind.LOGOUT, request, user=user)


@receiver(user_login_failed, dispatch_uid="tuijin_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    security.record(
        SecurityEvent.Kind.LOGIN_FAILED, request, username=str(credentials.get("username", ""))
    )


@receiver(user_locked_out, dispatch_uid="tuijin_locked_out")
def on_locked_out(sender, request, username, ip_address, **kwargs):
    security.record(SecurityEvent.Kind.LOCKED_OUT, request, username=str(username or ""))


@receiver(post_migrate, dispatch_uid="tuijin_roles")
def on_post_migrate(sender, **kwargs):
    if sender.label == "core":
        from .accounts import ensure_roles

        ensure_roles()
        if kwargs.get("plan"):  # migrations were applied (not a flush, not a no-op migrate)
            from .planner import refresh_statistics

            # SQLite rebuilds a table to alter it and drops the table's statistics with it:
            # without them a province's request list sorted 300,000 rows (200 ms instead of
            # 4) until the nightly sweep analysed again.
            refresh_statistics()


@receiver(post_save, sender=User, dispatch_uid="tuijin_disabled_user_sessions")
def on_user_saved(sender, instance: User, **kwargs):
    """A disabled account's sessions end at once, not at their next request."""
    if not instance.is_active and not kwargs.get("raw"):
        end_sessions(instance)


ADMIN_VERBS = {ADDITION: "新增", CHANGE: "修改", DELETION: "删除"}


@receiver(post_save, sender=AdminLogEntry, dispatch_uid="tuijin_admin_action")
def on_admin_action(sender, instance: AdminLogEntry, created: bool, **kwargs):
    """Whatever an administrator adds, changes or deletes in the Django admin (an account's
    two-step device included) is a security event too, with the admin's account and
    address, for the security and audit administrators to read."""
    if not created or (instance.content_type_id and instance.content_type.model_class() is User):
        return  # accounts: UserAdmin logs opening and disabling them in its own words
    model = instance.content_type.name if instance.content_type_id else "记录"
    verb = ADMIN_VERBS.get(instance.action_flag, "操作")
    security.record_admin(f"后台{verb}{model}：{instance.object_repr}"[:500])

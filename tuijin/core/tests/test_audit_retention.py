"""``tuijin audit-retention``: never younger than 180 days, and the chain still verifies."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tuijin.core.audit import verify_chain
from tuijin.core.models import AuditSeal, Region, SecurityEvent

pytestmark = pytest.mark.django_db


def entry(days_ago: float, name: str) -> LogEntry:
    """An entry written ``days_ago`` days back (through the application: sealed in order)."""
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Region),
        object_pk="1",
        object_repr=name,
        action=LogEntry.Action.UPDATE,
        changes={"name": ["甲", name]},
        timestamp=timezone.now() - dt.timedelta(days=days_ago),
    )


def event(days_ago: float, username: str) -> SecurityEvent:
    made = SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, username=username)
    # Backdated behind the application (the model refuses updates), as time would.
    SecurityEvent._base_manager.filter(pk=made.pk).update(
        at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return made


@pytest.fixture
def history():
    """Three entries and events older than 200 days, then younger ones (179 days and today)."""
    old = [entry(400, "最早"), entry(300, "较早"), entry(200, "半年多前")]
    young = [entry(179, "不到半年"), entry(0, "今天")]
    old_events = [event(365, "old1"), event(181, "old2")]
    young_events = [event(179, "young1"), event(1, "young2")]
    return old, young, old_events, young_events


class TestRetention:
    def test_fewer_than_180_days_is_refused_and_nothing_is_deleted(self, history):
        counts = (LogEntry.objects.count(), SecurityEvent.objects.count())
        with pytest.raises(CommandError, match="保留天数不能少于 180 天"):
            call_command("audit_retention", keep_days=179)
        assert (LogEntry.objects.count(), SecurityEvent.objects.count()) == counts

    def test_older_entries_go_younger_stay_and_the_chain_verifies(self, history, capsys):
        old, young, old_events, young_events = history
        call_command("audit_retention", keep_days=180)
        assert "已删除" in capsys.readouterr().out
        assert not LogEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
        assert LogEntry.objects.filter(pk__in=[e.pk for e in young]).count() == 2
        names = set(SecurityEvent.objects.values_list("username", flat=True))
        assert {"young1", "young2"} <= names
        assert not {"old1", "old2"} & names
        verdict = verify_chain()
        assert verdict.ok, verdict.reason
        assert (verdict.count, verdict.base_seq) == (2, 3)
        call_command("verify_audit")
        assert "自第 4 条起校验" in capsys.readouterr().out

    def test_the_run_is_an_administrator_action_in_the_log(self, history):
        call_command("audit_retention", keep_days=180)
        run = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ADMIN_ACTION).latest("id")
        assert "审计记录 3 条、安全事件 2 条（保留 180 天）" in run.detail

    def test_dry_run_counts_and_deletes_nothing(self, history, capsys):
        call_command("audit_retention", keep_days=180, dry_run=True)
        assert "将删除" in (out := capsys.readouterr().out)
        assert "审计记录 3 条、安全事件 2 条（未删除）" in out
        assert (LogEntry.objects.count(), AuditSeal.objects.count()) == (5, 5)
        assert SecurityEvent.objects.count() == 4

    def test_after_a_purge_new_entries_continue_and_tampering_is_still_caught(self, history):
        call_command("audit_retention", keep_days=180)
        entry(0, "清理之后")
        assert verify_chain().ok
        kept = history[1][0]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE auditlog_logentry SET object_repr = %s WHERE id = %s", ["改过", kept.pk]
            )
        verdict = verify_chain()
        assert not verdict.ok
        assert verdict.broken_entry_id == kept.pk

    def test_deleting_the_oldest_kept_entry_behind_the_application_is_caught(self, history):
        call_command("audit_retention", keep_days=180)
        first = AuditSeal.objects.order_by("seq").first()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditseal WHERE id = %s", [first.pk])
            cursor.execute("DELETE FROM auditlog_logentry WHERE id = %s", [first.entry_id])
        assert not verify_chain().ok

    def test_a_second_run_deletes_nothing_more(self, history):
        call_command("audit_retention", keep_days=180)
        call_command("audit_retention", keep_days=365)
        assert LogEntry.objects.count() == 2
        assert verify_chain().ok

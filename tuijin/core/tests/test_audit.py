"""The audit trail: who changed what, from where, in a chain that shows tampering."""

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from tuijin.core.audit import verify_chain
from tuijin.core.models import AuditSeal, Person
from tuijin.core.roles import Role


@pytest.fixture
def edited(county, client_for):
    """The township liaison changes their own title through the page."""
    client = client_for(county.users[Role.UNIT_STAFF])
    me = county.people[Role.UNIT_STAFF]
    client.post(
        reverse("directory:person-detail", args=[me.pk]),
        {"title": "党政办主任", "mobile": me.mobile},
        REMOTE_ADDR="10.1.2.3",
    )
    return me


@pytest.mark.django_db
class TestTrail:
    def test_a_change_records_who_when_where_and_the_fields(self, county, edited):
        entry = LogEntry.objects.get_for_object(edited).filter(action=LogEntry.Action.UPDATE)
        entry = entry.latest("timestamp")
        assert entry.actor == county.users[Role.UNIT_STAFF]
        assert entry.remote_addr == "10.1.2.3"
        assert entry.changes_dict["title"] == ["项目联络员", "党政办主任"]

    def test_create_and_delete_are_recorded(self, county):
        person = Person.objects.create(
            region=county.region, unit=county.township, name="临时", mobile="13600000000"
        )
        pk = person.pk
        person.delete()
        actions = set(
            LogEntry.objects.filter(object_pk=str(pk), content_type__model="person").values_list(
                "action", flat=True
            )
        )
        assert actions == {LogEntry.Action.CREATE, LogEntry.Action.DELETE}

    def test_record_page_shows_its_history(self, county, edited, client_for):
        client = client_for(county.users[Role.PRINCIPAL])
        page = client.get(reverse("directory:person-detail", args=[edited.pk])).content.decode()
        assert "变更记录" in page
        assert "党政办主任" in page

    def test_supervision_office_filters_the_trail_by_who(self, county, edited, client_for):
        client = client_for(county.users[Role.SUPERVISION])
        response = client.get(reverse("audit:list"), {"actor": county.users[Role.UNIT_STAFF]})
        entries = list(response.context["page"].object_list)
        assert entries
        assert {e.actor_id for e in entries} == {county.users[Role.UNIT_STAFF].pk}

    def test_trail_filters_by_date(self, county, edited, client_for):
        client = client_for(county.users[Role.SUPERVISION])
        response = client.get(reverse("audit:list"), {"until": "2000-01-01"})
        assert list(response.context["page"].object_list) == []

    @pytest.mark.parametrize("role", [Role.LEADER, Role.UNIT_STAFF, Role.PROJECT_OFFICE])
    def test_others_cannot_read_the_trail(self, county, client_for, role):
        assert client_for(county.users[role]).get(reverse("audit:list")).status_code == 403


@pytest.mark.django_db
class TestChain:
    def test_every_entry_is_sealed_and_the_chain_verifies(self, county, edited):
        verdict = verify_chain()
        assert verdict.ok
        assert verdict.count == LogEntry.objects.count() == AuditSeal.objects.count()

    def test_verify_audit_prints_ok_and_count(self, county, capsys):
        call_command("verify_audit")
        out = capsys.readouterr().out
        assert out.startswith("OK")
        assert str(LogEntry.objects.count()) in out

    def test_an_entry_edited_in_the_database_is_caught(self, county, edited):
        target = LogEntry.objects.get_for_object(edited).latest("timestamp")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE auditlog_logentry SET remote_addr = %s WHERE id = %s",
                ["192.168.9.9", target.pk],
            )
        verdict = verify_chain()
        assert not verdict.ok
        assert verdict.broken_entry_id == target.pk
        with pytest.raises(CommandError, match=f"#{target.pk}"):
            call_command("verify_audit")

    def test_an_entry_inserted_behind_the_application_is_caught(self, county):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_repr, action,"
                " changes_text, timestamp, additional_data, cid) SELECT content_type_id,"
                " object_pk, object_repr, action, changes_text, timestamp, additional_data, cid"
                " FROM auditlog_logentry ORDER BY id DESC LIMIT 1"
            )
        assert not verify_chain().ok

    def test_the_last_entry_deleted_is_caught(self, county):
        last = AuditSeal.objects.latest("seq")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditseal WHERE id = %s", [last.pk])
            cursor.execute("DELETE FROM auditlog_logentry WHERE id = %s", [last.entry_id])
        assert not verify_chain().ok


@pytest.mark.django_db
class TestHmacSm3:
    """TUIJIN_AUDIT_HMAC=sm3: links sealed with HMAC-SM3 under the install's key."""

    @pytest.fixture
    def keyed(self, settings):
        settings.TUIJIN_AUDIT_HMAC = "sm3"
        settings.TUIJIN_AUDIT_KEY = "清溪县-审计密钥-1"
        return settings

    def _change(self, county, title):
        person = county.people[Role.LEADER]
        person.title = title
        person.save()
        return LogEntry.objects.get_for_object(person).latest("timestamp")

    def test_a_chain_switched_to_sm3_verifies_and_reports_both(self, county, keyed, capsys):
        entry = self._change(county, "常务副县长")
        assert entry.seal.algo == "hmac-sm3"
        verdict = verify_chain()
        assert verdict.ok
        assert verdict.algos == {"sha256": AuditSeal.objects.count() - 1, "hmac-sm3": 1}
        call_command("verify_audit")
        assert "hmac-sm3 1 条" in capsys.readouterr().out

    def test_a_flipped_field_fails(self, county, keyed):
        entry = self._change(county, "常务副县长")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE auditlog_logentry SET object_repr = %s WHERE id = %s", ["别人", entry.pk]
            )
        verdict = verify_chain()
        assert not verdict.ok
        assert verdict.broken_entry_id == entry.pk

    def test_a_wrong_key_fails(self, county, keyed):
        entry = self._change(county, "常务副县长")
        keyed.TUIJIN_AUDIT_KEY = "另一把密钥"
        verdict = verify_chain()
        assert not verdict.ok
        assert verdict.broken_entry_id == entry.pk
        assert "密钥不符" in verdict.reason

    def test_a_plain_link_after_an_hmac_one_is_reported_as_a_downgrade(self, county, keyed):
        from tuijin.core.audit import entry_digest

        self._change(county, "常务副县长")
        keyed.TUIJIN_AUDIT_HMAC = ""
        entry = self._change(county, "县长")
        seal = entry.seal
        assert seal.algo == "sha256"
        assert entry_digest(entry, seal.seq, seal.prev_hash) == seal.hash
        verdict = verify_chain()
        assert not verdict.ok
        assert "降级" in verdict.reason

    def test_without_a_key_one_is_made_in_the_data_folder_owner_only(
        self, county, settings, tmp_path
    ):
        settings.TUIJIN_AUDIT_HMAC, settings.TUIJIN_AUDIT_KEY = "sm3", ""
        settings.DATA_DIR = tmp_path
        self._change(county, "常务副县长")
        key = tmp_path / "audit_key"
        assert key.stat().st_mode & 0o777 == 0o600
        assert len(key.read_text()) == 64
        assert verify_chain().ok

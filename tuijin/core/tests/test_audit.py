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

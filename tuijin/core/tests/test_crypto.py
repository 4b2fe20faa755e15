"""Personal data at rest (issue 8, point 11): mobile numbers are stored encrypted (SM4-GCM,
AES-256-GCM as the alternative), found by a keyed hash, and a flipped byte is detected."""

from __future__ import annotations

import base64
import io
import json
import os
import stat

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from tuijin.appeals import portal
from tuijin.appeals.models import EnterpriseAccount
from tuijin.appeals.services import AppealRuleError
from tuijin.core import bulk, crypto
from tuijin.core.models import Person, User
from tuijin.core.roles import Role
from tuijin.enterprises.models import Enterprise
from tuijin.enterprises.tests.factories import make_enterprise

KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(100, 132))).decode()
NUMBER = "13812345678"


@pytest.fixture(autouse=True)
def data_key(monkeypatch):
    """Every test starts from a known key in the environment, SM4 by default."""
    monkeypatch.setenv("TUIJIN_DATA_KEY", KEY_A)
    monkeypatch.delenv("TUIJIN_DATA_KEYS_OLD", raising=False)
    monkeypatch.delenv("TUIJIN_DATA_CIPHER", raising=False)
    crypto.reset()
    yield
    monkeypatch.undo()
    crypto.reset()


def use_keys(monkeypatch, current: str, *old: str, cipher: str = "sm4") -> None:
    monkeypatch.setenv("TUIJIN_DATA_KEY", current)
    monkeypatch.setenv("TUIJIN_DATA_KEYS_OLD", " ".join(old))
    monkeypatch.setenv("TUIJIN_DATA_CIPHER", cipher)
    crypto.reset()


def raw_rows(model) -> str:
    """Everything the table holds, as a database dump would show it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")
        return repr(cursor.fetchall())


def stored(person: Person) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT mobile FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
        return cursor.fetchone()[0]


def store(person: Person, token: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Person._meta.db_table} SET mobile = %s WHERE id = %s", [token, person.pk]
        )


def new_person(county, mobile: str = NUMBER, name: str = "李加密") -> Person:
    return Person.objects.create(
        region=county.region, unit=county.township, name=name, mobile=mobile
    )


def test_a_value_round_trips_and_no_two_tokens_are_alike():
    first, second = crypto.encrypt(NUMBER), crypto.encrypt(NUMBER)
    assert first != second and NUMBER not in first
    assert crypto.decrypt(first) == crypto.decrypt(second) == NUMBER
    assert base64.b64decode(first)[0] == crypto.SM4
    assert len(first) <= crypto.token_length(11)
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""


def test_every_flipped_byte_of_a_token_is_detected():
    blob = bytearray(base64.b64decode(crypto.encrypt(NUMBER)))
    for position in range(len(blob)):
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        with pytest.raises(crypto.TamperedValueError, match="损坏或被篡改"):
            crypto.decrypt(base64.b64encode(damaged).decode())


def test_the_table_holds_no_plain_mobile_and_the_page_shows_it(county, client_for):
    person = new_person(county)
    assert NUMBER not in raw_rows(Person)
    assert Person.objects.get(pk=person.pk).mobile == NUMBER
    page = client_for(county.users[Role.PROJECT_OFFICE]).get(
        reverse("directory:person-detail", args=[person.pk])
    )
    assert NUMBER in page.content.decode()


def test_a_flipped_byte_in_the_stored_row_is_an_error_not_another_number(county):
    person = new_person(county)
    blob = bytearray(base64.b64decode(stored(person)))
    blob[-20] ^= 0x04  # inside the ciphertext: without the tag check it would read as digits
    store(person, base64.b64encode(blob).decode())
    with pytest.raises(crypto.TamperedValueError, match="完整性校验失败"):
        Person.objects.get(pk=person.pk)


def test_lookup_by_mobile_uses_the_keyed_hash(county):
    person = new_person(county)
    new_person(county, "13900009999", name="王其他")
    assert list(Person.objects.filter(mobile=NUMBER)) == [person]
    assert list(Person.objects.filter(mobile="138 1234 5678")) == [person]  # spaces ignored
    assert Person.objects.filter(mobile__in=[NUMBER, "13000000000"]).count() == 1
    assert not Person.objects.filter(mobile="13000000000").exists()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT mobile_hash FROM {Person._meta.db_table} WHERE id = %s", [person.pk]
        )
        assert cursor.fetchone()[0] == crypto.keyed_hash(NUMBER) != NUMBER


def test_a_mobile_taken_in_the_region_is_refused_with_nothing_changed(county, client_for):
    new_person(county)
    me = county.people[Role.UNIT_STAFF]
    before = me.mobile
    response = client_for(county.users[Role.UNIT_STAFF]).post(
        reverse("directory:person-detail", args=[me.pk]), {"title": "x", "mobile": NUMBER}
    )
    assert "本地区已有人员使用手机号码 13812345678" in response.content.decode()
    me.refresh_from_db()
    assert me.mobile == before
    with pytest.raises(IntegrityError), transaction.atomic():
        new_person(county, name="重复号码")  # the database refuses too


def test_the_portal_refuses_a_mobile_another_account_gave(county):
    enterprise = make_enterprise(county.region, county.township, 3, contact_mobile="13800001111")
    user = User.objects.create_user("portal-other", password="x-Long-Password-1")
    EnterpriseAccount.objects.create(
        user=user, enterprise=enterprise, contact_name="王", contact_mobile=NUMBER
    )
    assert NUMBER not in raw_rows(EnterpriseAccount)
    with pytest.raises(AppealRuleError, match="这个手机号已经注册过"):
        portal.account_register(
            credit_code=enterprise.credit_code,
            contact_name="赵会计",
            contact_mobile=NUMBER,
            password="Qiye-Portal-2026",
        )


def test_a_portal_account_signs_in_with_its_mobile_and_no_table_or_log_holds_it(county, client):
    """Its sign-in name is opaque; the number is kept encrypted; failures (its own, and an
    unknown number's) reach the lockout and the security log under names that are not it."""
    from axes.models import AccessAttempt

    from tuijin.core.models import SecurityEvent

    enterprise = make_enterprise(county.region, county.township, 3)
    password = "Qiye-Portal-2026"
    account = portal.account_register(
        credit_code=enterprise.credit_code,
        contact_name="赵会计",
        contact_mobile=NUMBER,
        password=password,
    )
    assert NUMBER not in account.user.username
    assert User.objects.get(mobile=NUMBER) == account.user
    unknown = "13700007777"
    client.post(reverse("login"), {"username": NUMBER, "password": "wrong-password-1"})
    client.post(reverse("login"), {"username": unknown, "password": "wrong-password-1"})
    signed_in = client.post(
        reverse("login"), {"username": NUMBER, "password": password}, follow=True
    )
    assert signed_in.context["user"] == account.user
    logged = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED)
    assert logged.filter(username=account.user.username).exists()
    assert logged.count() == 2
    for model in (User, SecurityEvent, AccessAttempt):
        dump = raw_rows(model)
        assert NUMBER not in dump and unknown not in dump, model
    # An account an administrator named by a number still signs in by that name.
    User.objects.create_user("13600006666", password=password)
    client.post(reverse("logout"))
    named = client.post(
        reverse("login"), {"username": "13600006666", "password": password}, follow=True
    )
    assert named.context["user"].username == "13600006666"


def test_dumpdata_holds_tokens_that_load_back_as_numbers(county):
    person = new_person(county)
    make_enterprise(county.region, county.township, 5, contact_mobile="13700007777")
    out = io.StringIO()
    call_command("dumpdata", "core.person", "enterprises.enterprise", stdout=out)
    assert NUMBER not in out.getvalue() and "13700007777" not in out.getvalue()
    [row] = [
        r for r in json.loads(out.getvalue()) if r["pk"] == person.pk and "mobile" in r["fields"]
    ]
    assert Person._meta.get_field("mobile").to_python(row["fields"]["mobile"]) == NUMBER


def test_the_audit_trail_keeps_the_mobile_masked(county, client_for):
    me = county.people[Role.UNIT_STAFF]
    client_for(county.users[Role.UNIT_STAFF]).post(
        reverse("directory:person-detail", args=[me.pk]), {"title": "主任", "mobile": NUMBER}
    )
    from auditlog.models import LogEntry

    entry = LogEntry.objects.get_for_object(me).latest("pk")
    assert entry.changes_dict["mobile"][1] == "138****5678"
    assert NUMBER not in raw_rows(LogEntry)


def test_bulk_inserts_encrypt_on_both_paths(county):
    fields = [f for f in bulk.insert_fields(Person) if not f.name.endswith("_hash")]
    names = [f.name for f in fields]
    template = Person(region=county.region, unit=county.township, name="批量", order=1)
    rows = []
    for n in range(3):
        template.mobile = f"1360000000{n}"
        rows.append([getattr(template, f.attname) for f in fields])
    bulk.insert_rows(Person, rows, fields=names)
    bulk.insert_rows(Person, [Person(region=county.region, name="实例", mobile="13600000009")])
    assert "1360000000" not in raw_rows(Person)
    assert Person.objects.get(mobile="13600000002").name == "批量"
    assert Person.objects.get(mobile="13600000009").name == "实例"


def test_aes_is_the_alternative_and_old_sm4_tokens_stay_readable(county, monkeypatch):
    person = new_person(county)
    use_keys(monkeypatch, KEY_A, cipher="aes")
    token = crypto.encrypt(NUMBER)
    assert base64.b64decode(token)[0] == crypto.AES and crypto.decrypt(token) == NUMBER
    assert Person.objects.get(pk=person.pk).mobile == NUMBER  # SM4 token, read under AES
    assert Person.objects.get(mobile=NUMBER) == person  # and found before any rotation
    enterprise = make_enterprise(county.region, county.township, 6, contact_mobile="13700006666")
    assert "13700006666" not in raw_rows(Enterprise)
    assert Enterprise.objects.get(contact_mobile="13700006666") == enterprise


def test_rotation_reencrypts_every_value_under_the_new_key(county, monkeypatch):
    person = new_person(county)
    make_enterprise(county.region, county.township, 8, contact_mobile="13700008888")
    old_id = base64.b64decode(stored(person))[1:5]
    use_keys(monkeypatch, KEY_B, KEY_A)
    assert Person.objects.get(mobile=NUMBER) == person  # found under the old hash meanwhile
    out = io.StringIO()
    call_command("rotate_data_key", stdout=out)
    assert "OK" in out.getvalue()
    new_id = base64.b64decode(stored(person))[1:5]
    assert new_id == crypto.keyring().current.key_id != old_id
    use_keys(monkeypatch, KEY_B)  # the old key is gone: everything still reads and is found
    assert Person.objects.get(mobile=NUMBER).pk == person.pk
    assert Enterprise.objects.get(contact_mobile="13700008888").contact_mobile == "13700008888"
    assert sorted(Person.objects.values_list("mobile", flat=True)) == sorted(
        p.mobile for p in Person.objects.all()
    )


def test_rotate_with_a_new_key_file_keeps_the_old_one_readable(
    county, monkeypatch, settings, tmp_path
):
    monkeypatch.delenv("TUIJIN_DATA_KEY")
    settings.DATA_DIR = tmp_path / "fresh"
    crypto.reset()
    crypto.keyring()  # a new install makes its key, readable by its owner only
    assert stat.S_IMODE(os.stat(tmp_path / "fresh" / "data_key").st_mode) == 0o600
    settings.DATA_DIR = tmp_path
    (tmp_path / "data_key").write_text(KEY_A + "\n")  # the key the county was saved with
    crypto.reset()
    person = new_person(county)
    first = KEY_A
    call_command("rotate_data_key", "--new-key", stdout=io.StringIO())
    assert (tmp_path / "data_key").read_text().strip() != first
    assert (tmp_path / "data_key.old").read_text().split() == [first]
    assert stat.S_IMODE(os.stat(tmp_path / "data_key.old").st_mode) == 0o600
    (tmp_path / "data_key.old").unlink()  # every value was re-encrypted
    crypto.reset()
    assert Person.objects.get(mobile=NUMBER).pk == person.pk


def test_rotate_refuses_to_make_a_key_when_it_comes_from_the_environment(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="TUIJIN_DATA_KEYS_OLD"):
        call_command("rotate_data_key", "--new-key", stdout=io.StringIO())

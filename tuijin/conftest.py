import os
import sys
import warnings

import pytest
from django.core.management.base import BaseCommand
from zeal import zeal_context
from zeal.listeners import _nplusone_context
from zeal.signals import nplusone_detected

from tuijin.testing import build_county


@pytest.fixture
def county(db):
    """清溪县 with one account per role (see tuijin.testing)."""
    return build_county()


@pytest.fixture
def other_county(db):
    """云岭县: a neighbouring county nobody in 清溪县 may see."""
    return build_county(code="339902", name="云岭县", prefix="yl-")


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(params=["index", "chosen"])
def search_plan(request, monkeypatch):
    """For the text search tests of each list: ``index`` makes SQLite always go through the
    index (the path whose rows could differ); ``chosen``, the plan the search picks itself."""
    from tuijin.core import textsearch

    textsearch.forget_decisions()
    if request.param == "index":
        monkeypatch.setattr(textsearch, "_threshold", lambda rows: 10**9)
    yield request.param
    textsearch.forget_decisions()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is the product's hasher (see test_auth); tests sign in hundreds of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_required_two_step(settings):
    """Two-step sign-in is required of no role in tests (tests sign in with force_login);
    tuijin/core/tests/test_otp.py sets the production default back to prove the rule."""
    settings.TUIJIN_OTP_REQUIRED_ROLES = ()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the database is rolled back between tests, and
    with it the change stamps (core/stamps.py) that cached figures are keyed by."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _caller() -> tuple[str, bool]:
    """Where the repeated query was made (the innermost frame of our own code), and whether
    it was a form checking the choice of one of its fields, outside any formset."""
    frame = sys._getframe(2)
    where, in_choice, in_formset = "<unknown>", False, False
    while frame is not None:
        name = frame.f_code.co_filename
        if where == "<unknown>" and "site-packages" not in name and name != __file__:
            where = f"{name}:{frame.f_lineno} in {frame.f_code.co_name}"
        forms = os.path.join("django", "forms")
        in_choice |= name.endswith(os.path.join(forms, "models.py")) and (
            frame.f_code.co_name == "to_python"
        )
        in_formset |= name.endswith(os.path.join(forms, "formsets.py"))
        frame = frame.f_back
    return where, in_choice and not in_formset


def _raise_unless_from_a_test(sender, exception, **kwargs):
    """An N+1 of product code raises.

    These pass: one written in a test's own loop (the repeated query's innermost caller is a
    file under ``tests/``), no defect of the product; a form whose fields each check their
    choice with a ``.get()`` (a project's host unit and lead department are two Unit lookups
    from one line), one per field, fixed by the form (a formset's rows do raise); and the
    same ``.get()`` twice, which is a page reading its record and the service then locking
    it (both through ``get_visible_or_404``): a loop over rows runs it a third time.
    """
    where, form_fields = _caller()
    if f"{os.sep}tests{os.sep}" in where or form_fields:
        return
    if str(exception).endswith(".get()") and _get_calls(str(exception)) < 3:
        return
    raise type(exception)(f"{exception} at {where}")


def _get_calls(message: str) -> int:
    """How many times the reported model's ``.get()`` ran from its busiest line so far."""
    calls = _nplusone_context.get().calls
    return max(
        (
            len(found)
            for key, found in calls.items()
            if key[1] == "get()" and message.endswith(f" {key[0]._meta.label}.get()")
        ),
        default=0,
    )


nplusone_detected.connect(_raise_unless_from_a_test, dispatch_uid="tuijin-n-plus-one")


@pytest.fixture(autouse=True)
def raise_on_n_plus_one(monkeypatch):
    """In every test, an N+1 query of product code raises ``zeal.NPlusOneError``.

    zeal watches each operation on its own: every request (its middleware, added to the
    settings under pytest) and every management command (wrapped here). A whole test is not
    one operation: two calls of a service that loads the same relation of two rows are not a
    loop over rows, so the test itself is not watched.
    """
    execute = BaseCommand.execute

    def watched_execute(self, *args, **options):
        with zeal_context():
            return execute(self, *args, **options)

    monkeypatch.setattr(BaseCommand, "execute", watched_execute)
    with warnings.catch_warnings():
        # ZEAL_RAISE is off so that the receiver above decides; its warnings are noise.
        warnings.filterwarnings("ignore", message=r"N\+1 detected", category=UserWarning)
        yield

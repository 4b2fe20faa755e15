"""API fuzzing: schemathesis reads /api/schema/ from the WSGI app and calls every operation.

Signed in with a token of the county's system administrator (who passes every role check,
so every operation reaches its serializer, its filters and its service), over a county
with a record of each kind the permission matrix builds. Every response must be below 500
and conform to the schema: a documented status (refusals are documented by
tuijin/core/schema.py), a body of the documented shape, the declared content type and
headers. Whether a schema-valid request is accepted is the matrix's business, not this
test's (a valid id that is not yours is a 404 by design).

Bounded: a few generated examples per operation (explicit examples and generated ones, no
shrinking), no deadline per example; the whole file runs in about a minute on SQLite on a
quiet two-core machine.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis import checks

from tuijin.core.api_urls import router
from tuijin.core.roles import Role

from . import matrix

EXAMPLES_PER_OPERATION = 5
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]

# Read once, at collection, from the app itself: one test per operation.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def token(county, settings, tmp_path) -> str:
    """A token of the administrator of 清溪县, whose county holds a record of each kind."""
    settings.MEDIA_ROOT = tmp_path / "media"
    for build in matrix.RECORDS.values():
        build(county, county.township)
    return Token.objects.create(user=county.users[Role.ADMIN]).key


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """schemathesis calls the WSGI app itself, not through Django's test client: each call
    would run ``close_old_connections`` at its start and end, which closes a connection held
    in the test's transaction (on PostgreSQL; SQLite's in-memory one survives). Django's
    client disconnects the same two receivers for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_schema_documents_every_route_of_the_router():
    """No operation escapes the fuzzing by missing from the schema."""
    paths = {operation.ok().path for operation in schema.get_all_operations()}
    for prefix, _viewset, _basename in router.registry:
        assert f"/api/{prefix}/" in paths, prefix


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

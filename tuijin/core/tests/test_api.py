"""The API: an OpenAPI schema, offline docs, tokens for machines, pages of results."""

import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tuijin.core.models import Person
from tuijin.core.roles import Role


@pytest.mark.django_db
class TestApi:
    def test_schema_describes_the_directory(self, county, client_for):
        response = client_for(county.users[Role.LEADER]).get(
            "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
        )
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        assert {"/api/units/", "/api/people/", "/api/people/{id}/"} <= set(schema["paths"])

    def test_docs_page_is_served_without_internet(self, county, client_for):
        page = client_for(county.users[Role.LEADER]).get("/api/docs/").content.decode()
        assert "swagger" in page.lower()
        assert not re.search(r"""(src|href)=["']https?://""", page)

    def test_machines_use_a_token(self, county):
        token = Token.objects.create(user=county.users[Role.PROJECT_OFFICE])
        client = APIClient()
        assert client.get("/api/units/").status_code in (401, 403)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        data = client.get("/api/units/").json()
        assert data["count"] == 3

    def test_a_wrong_token_is_refused_with_a_structured_error(self, county):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
        response = client.get("/api/units/")
        assert response.status_code in (401, 403)
        assert set(response.json()) == {"error", "message"}

    def test_lists_are_paginated(self, county, client_for):
        for n in range(60):
            Person.objects.create(
                region=county.region,
                unit=county.township,
                name=f"人员{n}",
                mobile=f"1370000{n:04d}",
            )
        data = client_for(county.users[Role.PRINCIPAL]).get("/api/people/").json()
        assert data["count"] == 66
        assert len(data["results"]) == 50
        assert data["next"]

    def test_search_by_pinyin_initials(self, county, client_for):
        person = county.people[Role.LEADER]
        person.name = "宋强洋"
        person.save()
        data = client_for(county.users[Role.PRINCIPAL]).get("/api/people/", {"q": "sqy"}).json()
        assert [p["name"] for p in data["results"]] == ["宋强洋"]

    def test_invalid_mobile_is_a_structured_400_and_nothing_changes(self, county, client_for):
        me = county.people[Role.UNIT_STAFF]
        response = client_for(county.users[Role.UNIT_STAFF]).patch(
            f"/api/people/{me.pk}/",
            {"mobile": "abc", "version": me.version},
            content_type="application/json",
        )
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "invalid" and "mobile" in body["fields"]
        me.refresh_from_db()
        assert me.mobile != "abc"

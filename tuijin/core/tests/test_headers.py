"""Headers (issue 8 point 14): a strict Content Security Policy with no inline script in any
template, the production settings passing ``check --deploy``, and the client's address taken
from X-Forwarded-For only behind a configured proxy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loaders.app_directories import get_app_template_dirs
from django.urls import reverse

from tuijin.core.models import SecurityEvent
from tuijin.core.roles import Role
from tuijin.testing import PASSWORD

ROOT = Path(settings.BASE_DIR).parent


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


@pytest.mark.django_db
def test_every_page_carries_a_policy_without_inline_script_or_framing(county, client):
    responses = [client.get(reverse("login"))]
    client.force_login(county.users[Role.PROJECT_OFFICE])
    responses += [client.get(url) for url in (reverse("home"), "/projects/", "/api/docs/")]
    for response in responses:
        url = response.request["PATH_INFO"]
        assert response.status_code == 200, url
        policy = _policy(response)
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
        assert policy["style-src"] == "'self'" and policy["style-src-elem"] == "'self'"
        assert policy["img-src"] == "'self' data:"
        assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
        assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_api_documentation_loads_its_script_from_a_url_not_inline(county, client):
    client.force_login(county.users[Role.PROJECT_OFFICE])
    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=")

    assert re.search(r"<script>\s*\S", page) is None and "<style" not in page
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


def _templates() -> list[Path]:
    dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    dirs += [Path(d) for d in get_app_template_dirs("templates") if "site-packages" not in str(d)]
    return sorted(p for d in dirs for p in d.rglob("*.html"))


def test_no_template_has_inline_script_style_elements_handlers_or_javascript_urls():
    templates = _templates()
    assert len(templates) > 100
    offenders = []
    for path in templates:
        text = path.read_text("utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path}: inline <script>")
        if re.search(r"<style[\s>]", text):
            offenders.append(f"{path}: <style> element")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path}: on* handler")
        if re.search(r"javascript:", text, re.IGNORECASE):
            offenders.append(f"{path}: javascript: URL")
    assert offenders == []


def test_the_production_settings_pass_the_deployment_check(tmp_path):
    env = {
        **os.environ,
        "TUIJIN_SECURE": "1",
        "TUIJIN_DEBUG": "0",
        "TUIJIN_SECRET_KEY": "k" * 10 + "Vq3#x9!Lm2@Zr7$Tn5%Wp8^Yc4&Hb6*Jd1(Gf0)" * 2,
        "TUIJIN_DATA_DIR": str(tmp_path),
        "TUIJIN_ALLOWED_HOSTS": "tuijin.example.gov.cn",
        "DJANGO_SETTINGS_MODULE": "tuijin.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by pytest-playwright for its own tests
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def _fail_sign_in(client, **headers):
    client.post(reverse("login"), {"username": "principal", "password": "not-it"}, **headers)
    return SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED).latest("id").ip


@pytest.mark.django_db
def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(county, client, settings):
    settings.TUIJIN_TRUSTED_PROXIES = ["10.0.0.2"]

    direct = _fail_sign_in(client, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    proxied = _fail_sign_in(
        client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7"
    )
    chained = _fail_sign_in(
        client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.8, 10.0.0.2"
    )

    assert direct == "203.0.113.9"  # a forged header from outside changes nothing
    assert proxied == "198.51.100.7"  # the right-most address the proxy saw, not the forged one
    assert chained == "198.51.100.8"


@pytest.mark.django_db
def test_a_forged_forwarded_header_does_not_escape_the_sign_in_lockout(county, client):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _fail_sign_in(client, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}")

    response = client.post(
        reverse("login"),
        {"username": "principal", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="1.2.3.200",
    )

    assert response.status_code == 429

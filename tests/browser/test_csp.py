"""The Content Security Policy in a real browser (issue 8 point 14): every main page of three
roles loads, draws its charts and runs its scripts with no violation reported by Chromium."""

import pytest
from playwright.sync_api import expect

from tuijin.core.demo import seed_demo

from .test_roles import sign_in

EXTRA_PAGES = {
    "admin": ["/cockpit/screen/", "/api/docs/"],
    "enterprise": ["/portal/"],
}


@pytest.fixture
def demo(transactional_db, monkeypatch):
    """The demo directory and accounts; modules' demo data is left out to keep this fast."""
    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [])
    seed_demo()


def _watch(page) -> list[str]:
    """Every CSP violation Chromium reports, and every script error, as it happens."""
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(f"{page.url}: {msg.text}")
            if "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    return problems


def _walk(page, base_url: str, username: str) -> int:
    """Open each page of the user's menu, then the extra pages; returns how many."""
    sign_in(page, base_url, username)
    links = page.get_by_test_id("menu").get_by_role("link")
    hrefs = [href for href in (a.get_attribute("href") for a in links.all()) if href]
    hrefs = [h for h in hrefs if not h.startswith("/admin/")] + EXTRA_PAGES.get(username, [])
    for href in hrefs:
        response = page.goto(base_url + href)
        assert response is not None and response.status < 400, href
        page.wait_for_load_state("networkidle")
    return len(hrefs)


def test_no_page_of_three_roles_reports_a_policy_violation(demo, live_server, browser):
    walked, reports = 0, []
    for username in ("admin", "township", "enterprise"):
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        reports.append(_watch(page))
        walked += _walk(page, live_server.url, username)
        if username == "admin":  # htmx runs its live search with evaluation turned off
            page.goto(live_server.url + "/projects/")
            page.get_by_label("搜索项目").fill("某某")
            page.wait_for_url("**/projects/?*q=*")
            expect(page.get_by_text("没有符合条件的项目")).to_be_visible()
        context.close()

    assert walked > 40
    assert [problem for problems in reports for problem in problems] == []

"""Smoke test of the browser plumbing: the login page renders in Chromium, in Chinese."""

from playwright.sync_api import expect


def test_login_page_shows_chinese_heading(live_server, page, tmp_path):
    response = page.goto(live_server.url + "/accounts/login/")

    assert response is not None and response.ok, response and response.status
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    shot = tmp_path / "login.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 0

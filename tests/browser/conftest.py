"""Plumbing for the browser tests: Debian's Chromium driven by Playwright (pytest-playwright).

Every test in this folder is marked ``browser``; ``scripts/test.sh`` runs them in their own pass
(``pytest -m browser``) and the other passes leave them out (``-m "not browser"``).

Playwright cannot download its own browsers here, so the tests drive the system Chromium
(``TUIJIN_CHROMIUM``, default ``/usr/bin/chromium``; on Debian: apt-get install chromium
fonts-noto-cjk, the fonts or Chinese shows as boxes). Where that file does not exist,
Playwright's own browser is used, for developers who ran ``playwright install chromium``.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test thread; Django's ORM refuses to
# run in a thread with a running loop unless told that this is deliberate. Tests here use the
# ORM only to arrange data and check results, never concurrently with the browser.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("TUIJIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium headless; options from the command line (--headed) still apply."""
    args = {**browser_type_launch_args}
    if Path(CHROMIUM).exists():
        args.setdefault("executable_path", CHROMIUM)
    extra = list(args.get("args", []))
    args["args"] = CHROMIUM_ARGS + [arg for arg in extra if arg not in CHROMIUM_ARGS]
    if args.get("headless") is False:  # --headed
        args["args"] = [arg for arg in args["args"] if not arg.startswith("--headless")]
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Pages in Chinese and in the county's time zone, as the users see them."""
    return {
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        **browser_context_args,
    }


@pytest.fixture(autouse=True)
def no_required_two_step(settings):
    """The live server runs in this process: two-step sign-in is required of no role, so
    the tests sign in with a password alone; test_otp.py sets the production default back."""
    settings.TUIJIN_OTP_REQUIRED_ROLES = ()


@pytest.fixture
def phone_page(new_context):
    """A page the size of a phone (390×844 CSS pixels, touch), for on-site reporting."""
    context = new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    return context.new_page()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/browser ``browser`` before ``-m`` selects on marks."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)

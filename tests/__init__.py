"""Tests that cross apps: browser tests (tests/browser) and end-to-end checks.

Unit tests live next to the code they test, in each app's tests package.
"""

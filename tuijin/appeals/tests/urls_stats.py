"""Test-only URLconf: the project's URLs with the hotline import and statistics pages
mounted in the appeals namespace (the lead mounts them in tuijin/appeals/urls.py)."""

from django.urls import include, path

from tuijin import urls as project_urls
from tuijin.appeals import urls as appeal_urls
from tuijin.appeals import views_hotline, views_stats

appeal_patterns = [
    path("hotline/", views_hotline.hotline_import, name="hotline-import"),
    path("stats/", views_stats.appeal_stats, name="stats"),
    *appeal_urls.urlpatterns,
]

urlpatterns = [
    path("appeals/", include((appeal_patterns, "appeals"))),
    *(p for p in project_urls.urlpatterns if str(p.pattern) != "appeals/"),
]

from django.urls import path

from . import views, views_duties

app_name = "audit"
urlpatterns = [
    path("", views.audit_list, name="list"),
    path("export/", views_duties.audit_export, name="export"),
    path("verify/", views_duties.audit_verify, name="verify"),
    path("verify/run/", views_duties.audit_verify_run, name="verify-run"),
]

from django.urls import path

from . import views_duties

app_name = "security"
urlpatterns = [
    path("accounts/", views_duties.security_accounts, name="accounts"),
    path("accounts/<int:pk>/", views_duties.security_account, name="account"),
    path("events/", views_duties.security_events, name="events"),
    path("events/export/", views_duties.security_events_export, name="events-export"),
]

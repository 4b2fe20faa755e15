from django.urls import path
from django.views.generic import RedirectView

from . import views_portal as views

app_name = "portal"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:home"), name="index"),
    path("register/", views.register, name="register"),
    path("requests/", views.home, name="home"),
    path("requests/<int:pk>/", views.appeal_detail, name="detail"),
    path("requests/<int:pk>/rate/", views.appeal_rate, name="rate"),
    path("requests/<int:pk>/answer/", views.appeal_answer, name="answer"),
    path("new/", views.appeal_new, name="new"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:pk>/verify/", views.account_verify, name="verify"),
    path("accounts/<int:pk>/reject/", views.account_reject, name="reject"),
]

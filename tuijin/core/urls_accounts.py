from django.contrib.auth import views as auth_views
from django.urls import path

from . import views_otp
from .forms import LoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views_otp.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("otp/", views_otp.otp_settings, name="otp"),
    path("otp/setup/", views_otp.otp_setup, name="otp_setup"),
    path("otp/verify/", views_otp.otp_verify, name="otp_verify"),
    path("otp/codes/", views_otp.otp_codes, name="otp_codes"),
    path("otp/remove/", views_otp.otp_remove, name="otp_remove"),
]

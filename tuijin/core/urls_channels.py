from django.urls import path

from . import views_channels as views

app_name = "channels"
urlpatterns = [
    path("", views.channel_list, name="list"),
    path("new/", views.channel_create, name="create"),
    path("<int:pk>/", views.channel_edit, name="edit"),
    path("<int:pk>/test/", views.channel_test, name="test"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="retry"),
]

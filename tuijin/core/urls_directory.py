from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("people/", views.person_list, name="person-list"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("import/", views.directory_import, name="import"),
]

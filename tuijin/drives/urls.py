from django.urls import path

from . import views

app_name = "drives"
urlpatterns = [
    path("", views.drive_list, name="list"),
    path("launch/", views.drive_launch, name="launch"),
    path("<int:pk>/", views.drive_detail, name="detail"),
    path("<int:pk>/report.docx", views.drive_report, name="report"),
    path("<int:pk>/targets/<int:target_pk>/actual/", views.drive_actual, name="actual"),
    path("annual/", views.annual_list, name="annual"),
    path("annual/<int:pk>/edit/", views.annual_edit, name="annual-edit"),
]

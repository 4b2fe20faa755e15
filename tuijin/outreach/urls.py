from django.urls import path

from . import views

app_name = "outreach"
urlpatterns = [
    path("", views.trip_list, name="trips"),
    path("trips/new/", views.trip_create, name="trip-create"),
    path("trips/<int:pk>/", views.trip_detail, name="trip"),
    path("leads/", views.lead_list, name="leads"),
    path("leads/new/", views.lead_create, name="lead-create"),
    path("leads/<int:pk>/", views.lead_detail, name="lead"),
    path("leads/<int:pk>/update/", views.lead_update, name="lead-update"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead-convert"),
    path("reports/", views.report_page, name="reports"),
    path("project-days/", views.project_days, name="project-days"),
    path("project-days/rule/", views.project_day_rule, name="project-day-rule"),
]

from django.urls import path

from . import views, views_ledger, views_photos

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("mine/", views.my_projects, name="mine"),
    path("due/", views.due_reports, name="due"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/stage/", views.stage_propose, name="stage"),
    path("stage/<int:pk>/decide/", views.stage_decide, name="stage-decide"),
    path("<int:pk>/report/", views.report_create, name="report"),
    path("<int:pk>/problems/new/", views.problem_create, name="problem-create"),
    path("problems/<int:pk>/", views.problem_update, name="problem-update"),
    path("<int:pk>/milestones/", views.milestones_edit, name="milestones"),
    path("<int:pk>/site-check/", views.site_check_create, name="site-check"),
    path("settings/", views.project_settings, name="settings"),
    path("ledger/import/", views_ledger.ledger_import, name="ledger-import"),
    path("ledger/export/", views_ledger.ledger_export, name="ledger-export"),
    path("photos/<int:pk>/", views_photos.photo_file, name="photo"),
]

from django.urls import path

from . import views, views_bulletin, views_league

app_name = "supervision"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_create, name="create"),
    path("new/people/", views.unit_people, name="people"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/sign/", views.order_sign, name="sign"),
    path("<int:pk>/respond/", views.order_respond, name="respond"),
    path("<int:pk>/accept/", views.order_accept, name="accept"),
    path("<int:pk>/return/", views.order_return, name="return"),
    path("<int:pk>/docx/", views.order_docx, name="docx"),
    path("files/<int:pk>/", views.file_download, name="file"),
    path("league/", views_league.league_page, name="league"),
    path("league/weights/", views_league.league_weights, name="league-weights"),
    path("bulletins/", views_bulletin.bulletin_list, name="bulletins"),
    path("bulletins/new/", views_bulletin.bulletin_create, name="bulletin-create"),
    path("bulletins/<int:pk>/", views_bulletin.bulletin_download, name="bulletin-download"),
]

from . import views_inspections  # noqa: E402  (inspections: 督查 with findings)

urlpatterns += [
    path("inspections/", views_inspections.inspection_list, name="inspections"),
    path("inspections/new/", views_inspections.inspection_create, name="inspection-create"),
    path("inspections/people/", views_inspections.finding_people, name="inspection-people"),
    path("inspections/<int:pk>/", views_inspections.inspection_detail, name="inspection-detail"),
    path(
        "inspections/<int:pk>/findings/new/",
        views_inspections.finding_create,
        name="finding-create",
    ),
    path(
        "inspections/findings/<int:pk>/order/",
        views_inspections.finding_to_order,
        name="finding-order",
    ),
    path("inspections/photos/<int:pk>/", views_inspections.finding_photo, name="finding-photo"),
]

from . import views_meetings, views_selfchecks  # noqa: E402  (调度会 and 自问自查)

urlpatterns += [
    path("meetings/", views_meetings.meeting_list, name="meetings"),
    path("meetings/new/", views_meetings.meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", views_meetings.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/memo/", views_meetings.meeting_memo, name="meeting-memo"),
    path("meetings/<int:pk>/summary/", views_meetings.meeting_summary, name="meeting-summary"),
    path("meetings/<int:pk>/assign/", views_meetings.assignment_create, name="meeting-assign"),
    path("selfchecks/", views_selfchecks.selfcheck_list, name="selfchecks"),
    path("selfchecks/new/", views_selfchecks.selfcheck_create, name="selfcheck-create"),
    path("selfchecks/<int:pk>/", views_selfchecks.selfcheck_detail, name="selfcheck"),
    path("selfchecks/<int:pk>/answer/", views_selfchecks.selfcheck_answer, name="selfcheck-answer"),
    path(
        "selfchecks/answers/<int:pk>/comment/",
        views_selfchecks.selfcheck_comment,
        name="selfcheck-comment",
    ),
]

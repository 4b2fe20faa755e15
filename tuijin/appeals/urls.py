from django.urls import path

from . import views, views_hotline, views_stats

app_name = "appeals"
urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("new/", views.appeal_create, name="create"),
    path("new/enterprises/", views.enterprise_options, name="enterprise-options"),
    path("opinions/<int:pk>/convert/", views.opinion_convert, name="convert-opinion"),
    path("deadlines/", views.deadline_rules, name="deadlines"),
    path("hotline/", views_hotline.hotline_import, name="hotline-import"),
    path("stats/", views_stats.appeal_stats, name="stats"),
    path("<int:pk>/", views.appeal_detail, name="detail"),
    path("<int:pk>/dispatch/", views.appeal_dispatch, name="dispatch"),
    path("<int:pk>/send-back/", views.appeal_send_back, name="send-back"),
    path("<int:pk>/accept/", views.appeal_accept, name="accept"),
    path("<int:pk>/reply/", views.appeal_reply, name="reply"),
    path("<int:pk>/question/", views.appeal_ask_question, name="ask-question"),
    path("<int:pk>/extension/", views.appeal_ask_extension, name="ask-extension"),
    path("<int:pk>/extension/decide/", views.appeal_decide_extension, name="decide-extension"),
    path("<int:pk>/follow-up/", views.appeal_follow_up, name="follow-up"),
    path("<int:pk>/rate/", views.appeal_rate, name="rate"),
    path("files/<int:pk>/", views.attachment_download, name="file"),
]

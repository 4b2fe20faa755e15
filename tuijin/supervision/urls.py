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

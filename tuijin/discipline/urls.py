from django.urls import path

from . import views

app_name = "discipline"
urlpatterns = [
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/decide/", views.meeting_decide, name="meeting-decide"),
    path("leave/", views.leave_list, name="leaves"),
    path("leave/new/", views.leave_create, name="leave-create"),
    path("leave/<int:pk>/", views.leave_detail, name="leave"),
    path("leave/<int:pk>/decide/", views.leave_decide, name="leave-decide"),
    path("reception/", views.reception_page, name="receptions"),
    path("reception/new/", views.reception_create, name="reception-create"),
    path("reception/target/", views.reception_target, name="reception-target"),
]

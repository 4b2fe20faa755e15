from django.urls import path

from . import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("import/", views.enterprise_import, name="import"),
    path("export/", views.enterprise_export, name="export"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
]

# Pairing (包联) and visits (走访).
from . import views_pairing  # noqa: E402

urlpatterns += [
    path("pairings/", views_pairing.pairing_mine, name="pairings"),
    path("coverage/", views_pairing.coverage_page, name="coverage"),
    path("visits/new/", views_pairing.visit_create, name="visit_create"),
    path("<int:pk>/visits/", views_pairing.enterprise_visits, name="visits"),
    path("<int:pk>/pairings/new/", views_pairing.pairing_add, name="pairing-add"),
    path("pairings/<int:pk>/end/", views_pairing.pairing_stop, name="pairing-end"),
]

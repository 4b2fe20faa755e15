from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tuijin.core import views

admin.site.site_header = "推进 · 系统管理"
admin.site.site_title = "推进"
admin.site.index_title = "后台管理"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("tuijin.core.urls_accounts")),
    path("directory/", include("tuijin.core.urls_directory")),
    path("audit/", include("tuijin.core.urls_audit")),
    path("security/", include("tuijin.core.urls_security")),
    path("calendar/", views.calendar_page, name="calendar"),
    path("inbox/", views.inbox, name="inbox"),
    path("channels/", include("tuijin.core.urls_channels")),
    path("projects/", include("tuijin.projects.urls")),
    path("enterprises/", include("tuijin.enterprises.urls")),
    path("appeals/", include("tuijin.appeals.urls")),
    path("outreach/", include("tuijin.outreach.urls")),
    path("drives/", include("tuijin.drives.urls")),
    path("discipline/", include("tuijin.discipline.urls")),
    path("portal/", include("tuijin.appeals.urls_portal")),
    path("supervision/", include("tuijin.supervision.urls")),
    path("cockpit/", include("tuijin.cockpit.urls")),
    path("api/", include("tuijin.core.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler403 = "tuijin.core.views.permission_denied"
handler404 = "tuijin.core.views.page_not_found"
handler500 = "tuijin.core.views.server_error"

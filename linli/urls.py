from django.contrib import admin
from django.urls import include, path

from linli.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/v2/", include("linli.cases.open311_urls")),
    path("", include("linli.portal.urls")),
    path("", include("linli.portal.places_urls")),
    path("", include("linli.people.urls")),
    path("", include("linli.cases.urls")),
    path("", include("linli.meetings.urls")),
    path("", include("linli.patrols.urls")),
    path("", include("linli.volunteers.urls")),
    path("", include("linli.life.urls")),
    path("", include("linli.care.urls")),
    path("", include("linli.evaluation.urls")),
    path("", include("linli.dashboard.urls")),
]

# The 500 page shows the request id (linli.core.request_id); it renders without the request context.
handler500 = "linli.core.request_id.server_error"
# A path under /api/ that matches no route answers 404 in JSON, like every other API error.
handler404 = "linli.core.request_id.not_found"

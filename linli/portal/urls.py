from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import home, records, search, status

portal_patterns = ([
    path("audit/", records.audit, name="audit"),
    path("search/", search.search, name="search"),
    path("imports/", records.import_start, name="import"),
    path("jobs/<int:pk>/", records.job, name="job"),
    path("jobs/<int:pk>/progress/", records.job_progress, name="job_progress"),
    path("jobs/<int:pk>/errors.xlsx", records.job_download, name="job_download"),
    path("status/", status.status, name="status"),
], "portal")

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", status.healthz, name="healthz"),
    path("login/", home.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include(portal_patterns)),
]

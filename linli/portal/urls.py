from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import home as views

portal_patterns = ([
    path("audit/", views.audit, name="audit"),
    path("imports/", views.import_start, name="import"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/errors.xlsx", views.job_download, name="job_download"),
], "portal")

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include(portal_patterns)),
]

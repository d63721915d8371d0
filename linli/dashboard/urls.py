from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("cockpit/", views.home, name="home"),
    path("cockpit/definitions/", views.definitions, name="definitions"),
    path("cockpit/export.xlsx", views.export, name="export"),
    path("cockpit/reports/", views.report_list, name="reports"),
    path("cockpit/reports/generate/", views.report_generate, name="report_generate"),
    path("cockpit/reports/<int:pk>.<str:fmt>", views.report_file, name="report_file"),
]

from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("evaluation/", views.home, name="home"),
    path("evaluation/cases/", views.drill, name="drill"),
    path("evaluation/rules/", views.rules, name="rules"),
    path("evaluation/surveys/", views.surveys, name="surveys"),
    path("evaluation/surveys/<int:pk>/", views.survey, name="survey"),
]

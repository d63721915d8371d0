from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("residents/", views.persons, name="persons"),
    path("residents/export.xlsx", views.persons_export, name="persons_export"),
    path("residents/<int:pk>/", views.person, name="person"),
    path("residents/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("residents/<int:pk>/copy.json", views.person_copy, name="person_copy"),
    path("households/", views.households, name="households"),
    path("households/export.xlsx", views.households_export, name="households_export"),
    path("households/<int:pk>/", views.household, name="household"),
]

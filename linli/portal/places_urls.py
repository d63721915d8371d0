from django.urls import path

from .views import places as views

app_name = "places"

urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("map/features.json", views.map_data, name="map_data"),
    path("map/base.json", views.map_base, name="map_base"),
    path("map/cases.json", views.map_cases, name="map_cases"),
    path("grids/", views.grids, name="grids"),
    path("grids/export.xlsx", views.grids_export, name="grids_export"),
    path("grids/<int:pk>/", views.grid, name="grid"),
    path("buildings/", views.buildings, name="buildings"),
    path("buildings/export.xlsx", views.buildings_export, name="buildings_export"),
    path("buildings/<int:pk>/", views.building, name="building"),
    path("venues/", views.venues, name="venues"),
    path("venues/export.xlsx", views.venues_export, name="venues_export"),
    path("venues/<int:pk>/", views.venue, name="venue"),
]

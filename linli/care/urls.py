from django.urls import path

from . import views

app_name = "care"

urlpatterns = [
    path("care/", views.home, name="home"),
    path("care/gateway/events", views.gateway_events, name="gateway_events"),
    path("care/<int:station_id>/desk/", views.desk, name="desk"),
    path("care/<int:station_id>/desk/feed.json", views.desk_feed, name="desk_feed"),
    path("care/alarms/<int:pk>/", views.alarm, name="alarm"),
    path("care/alarms/<int:pk>/<slug:action>/", views.alarm_action, name="alarm_action"),
    path("care/<int:station_id>/devices/", views.devices, name="devices"),
    path("care/<int:station_id>/orders/", views.orders, name="orders"),
    path("care/orders/<int:pk>/", views.order, name="order"),
    path("care/orders/<int:pk>/<slug:action>/", views.order_action, name="order_action"),
    path("care/<int:station_id>/figures/", views.figures, name="figures"),
    path("care/applications/", views.applications, name="applications"),
    path("care/applications/<int:pk>/", views.application, name="application"),
]

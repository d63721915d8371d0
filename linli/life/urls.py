from django.urls import path

from . import views

app_name = "life"

urlpatterns = [
    path("life/", views.home, name="groupbuy"),
    path("life/groupbuy/new/<int:seller_pk>/", views.cycle_new, name="cycle_new"),
    path("life/groupbuy/<int:pk>/", views.cycle_detail, name="cycle"),
    path("life/groupbuy/<int:pk>/join/", views.cycle_join, name="join"),
    path("life/groupbuy/<int:pk>/totals/", views.totals, name="totals"),
    path("life/groupbuy/<int:pk>/totals.xlsx", views.totals_xlsx, name="totals_xlsx"),
    path("life/groupbuy/<int:pk>/pick/<int:point_pk>/", views.pick, name="pick"),
    path("life/groupbuy/<int:pk>/<str:action>/", views.cycle_action, name="cycle_action"),
    path("life/orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("life/sellers/<int:pk>/", views.seller, name="seller"),
    path("life/rooms/", views.rooms, name="rooms"),
    path("life/rooms/mine/", views.my_bookings, name="my_bookings"),
    path("life/rooms/approvals/", views.approvals, name="approvals"),
    path("life/rooms/<int:pk>/", views.room_detail, name="room"),
    path("life/rooms/<int:pk>/calendar.ics", views.room_ics, name="room_ics"),
    path("life/bookings/<int:pk>/<str:action>/", views.booking_action, name="booking_action"),
    path("life/tools/", views.catalogue, name="tools"),
    path("life/tools/mine/", views.my_tools, name="my_tools"),
    path("life/tools/desk/", views.desk, name="desk"),
    path("life/tools/<int:pk>/", views.tool_detail, name="tool"),
    path("life/holds/<int:pk>/cancel/", views.hold_cancel, name="hold_cancel"),
    path("life/calendar/", views.calendar, name="calendar"),
    path("life/calendar.ics", views.calendar_ics, name="calendar_ics"),
]

from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("volunteers/", views.home, name="home"),
    path("volunteers/register/", views.register, name="register"),
    path("volunteers/approvals/", views.approvals, name="approvals"),
    path("volunteers/approvals/<int:pk>/", views.decide, name="decide"),
    path("volunteers/register.xlsx", views.register_xlsx, name="register_xlsx"),
    path("volunteers/people/<int:pk>/", views.volunteer, name="volunteer"),
    path("volunteers/teams/", views.teams, name="teams"),
    path("volunteers/activities/", views.activities, name="activities"),
    path("volunteers/activities/<int:pk>/", views.activity, name="activity"),
    path("volunteers/activities/<int:pk>/code/", views.activity_code, name="activity_code"),
    path("volunteers/activities/<int:pk>/<slug:action>/", views.activity_action, name="activity_action"),
    path("volunteers/records/<int:pk>/certify/", views.certify, name="certify"),
    path("volunteers/plan/", views.plan, name="plan"),
    path("volunteers/points/", views.points, name="points"),
    path("volunteers/points/book.pdf", views.points_pdf, name="points_pdf"),
    path("volunteers/people/<int:pk>/book.pdf", views.volunteer_pdf, name="volunteer_pdf"),
    path("volunteers/shop/", views.shop, name="shop"),
    path("volunteers/shop/counter/", views.counter, name="counter"),
    path("volunteers/shop/reservations/<int:pk>/cancel/", views.cancel_reservation, name="cancel_reservation"),
    path("volunteers/wishes/", views.wishes, name="wishes"),
    path("volunteers/wishes/<int:pk>/", views.wish, name="wish"),
    path("volunteers/menu/", views.menu, name="menu"),
    path("volunteers/awards/", views.awards, name="awards"),
    path("volunteers/public/<int:community_id>/", views.public, name="public"),
]

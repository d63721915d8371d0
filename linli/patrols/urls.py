from django.urls import path

from . import views

app_name = "patrols"

urlpatterns = [
    path("patrols/", views.home, name="home"),
    path("patrols/start/", views.patrol_start, name="start"),
    path("patrols/patrol/<int:pk>/", views.patrol_detail, name="patrol"),
    path("patrols/patrol/<int:pk>/end/", views.patrol_end, name="end"),
    path("patrols/stops/<int:pk>/case/", views.stop_case, name="stop_case"),
    path("patrols/hazards/", views.hazards, name="hazards"),
    path("patrols/hazards/new/", views.hazard_new, name="hazard_new"),
    path("patrols/notices/", views.notices, name="notices"),
    path("patrols/notices/new/", views.notice_new, name="notice_new"),
    path("patrols/notices/<int:pk>/", views.notice_detail, name="notice"),
    path("patrols/notices/<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("patrols/photos/<int:pk>/", views.photo, name="photo"),
    path("patrols/coverage/", views.coverage, name="coverage"),
    path("patrols/map/", views.stop_map, name="map"),
    path("patrols/map/data/", views.stop_map_data, name="map_data"),
    path("patrols/campaigns/", views.campaigns, name="campaigns"),
    path("patrols/campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("patrols/visits/", views.visits, name="visits"),
    path("patrols/visits/<int:pk>/", views.visit_record, name="visit"),
    path("patrols/visits/rules/", views.visit_rules, name="rules"),
    path("patrols/disputes/", views.disputes, name="disputes"),
    path("patrols/disputes/new/", views.dispute_new, name="dispute_new"),
    path("patrols/disputes/<int:pk>/", views.dispute_detail, name="dispute"),
    path("patrols/agreements/<int:pk>/", views.agreement_file, name="agreement"),
    path("patrols/leaders/", views.leaders, name="leaders"),
    path("patrols/leaders/me/", views.leader, name="my_list"),
    path("patrols/leaders/<int:person_id>/", views.leader, name="leader"),
]

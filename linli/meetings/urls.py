from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.home, name="home"),
    path("meetings/matters/new/", views.raise_matter, name="raise"),
    path("meetings/matters/<int:pk>/", views.matter_detail, name="matter"),
    path("meetings/matters/<int:pk>/support/", views.matter_support, name="support"),
    path("meetings/matters/<int:pk>/reply/", views.matter_reply, name="reply"),
    path("meetings/matters/<int:pk>/replies/<int:reply_id>/hide/", views.matter_hide, name="hide"),
    path("meetings/matters/<int:pk>/option/", views.matter_option, name="option"),
    path("meetings/matters/<int:pk>/vote/open/", views.matter_open_vote, name="open_vote"),
    path("meetings/matters/<int:pk>/vote/cast/", views.matter_cast, name="cast"),
    path("meetings/matters/<int:pk>/vote/close/", views.matter_close_vote, name="close_vote"),
    path("meetings/matters/<int:pk>/actions/", views.matter_actions, name="actions"),
    path("meetings/matters/<int:pk>/actions/<int:action_id>/", views.matter_progress, name="progress"),
    path("meetings/matters/<int:pk>/evaluate/", views.matter_evaluate, name="evaluate"),
    path("meetings/votes/<int:pk>/ballots/", views.ballots, name="ballots"),
    path("meetings/votes/<int:pk>/paper/", views.paper_ballot, name="paper"),
    path("meetings/list/", views.meeting_list, name="meetings"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="minutes"),
    path("meetings/<int:pk>/agenda/", views.meeting_agenda_item, name="agenda_item"),
    path("meetings/<int:pk>/record.pdf", views.meeting_pdf, name="pdf"),
    path("meetings/committees/", views.committee_list, name="committees"),
    path("meetings/threshold/", views.set_threshold, name="threshold"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("meetings/reception/", views.reception, name="reception"),
    path("meetings/reception/publish/", views.reception_publish, name="publish"),
    path("meetings/reception/<int:slot_id>/book/", views.reception_book, name="book"),
    path("meetings/reception/bookings/<int:booking_id>/cancel/", views.reception_cancel, name="cancel_booking"),
    path("meetings/reception/bookings/<int:booking_id>/outcome/", views.reception_outcome, name="outcome"),
]

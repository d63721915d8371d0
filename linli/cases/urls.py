from django.urls import path

from . import hooks, views

app_name = "cases"

urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/export.xlsx", views.case_export, name="export"),
    path("cases/new/", views.report_resident, name="report"),
    path("cases/quick/", views.report_quick, name="quick"),
    path("cases/neighbour/", views.report_neighbour, name="neighbour"),
    path("cases/hotline/", views.report_hotline, name="hotline"),
    path("cases/hotline/match/", views.hotline_match, name="hotline_match"),
    path("cases/similar/", views.similar, name="similar"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/accept/", views.case_accept, name="accept"),
    path("cases/<int:pk>/note/", views.case_note, name="note"),
    path("cases/<int:pk>/categorise/", views.case_categorise, name="categorise"),
    path("cases/<int:pk>/transfer/", views.case_transfer, name="transfer"),
    path("cases/<int:pk>/escalate/", views.case_escalate, name="escalate"),
    path("cases/<int:pk>/plan/", views.case_plan, name="plan"),
    path("cases/<int:pk>/whistle/", views.case_whistle, name="whistle"),
    path("cases/<int:pk>/report-in/<int:summons_id>/", views.case_report_in, name="report_in"),
    path("cases/<int:pk>/resolve/", views.case_resolve, name="resolve"),
    path("cases/<int:pk>/rate/", views.case_rate, name="rate"),
    path("cases/<int:pk>/merge/", views.case_merge, name="merge"),
    path("cases/<int:pk>/photos/<int:photo_id>/", views.case_photo, name="photo"),
    path("cases/<int:pk>/report/", views.closing_report, name="closing_report"),
    path("cases/<int:pk>/report.pdf", views.closing_report_pdf, name="closing_report_pdf"),
    path("messages/", views.inbox, name="inbox"),
    path("messages/read/", views.inbox_read, name="inbox_read"),
    path("board/<int:community_id>/", views.board, name="board"),
]

# The actions of the parts of the case page that apps above cases own, registered in their AppConfig.ready() (hooks.py):
# linli.meetings mounts the whistle meeting here as cases:meeting (cases/<pk>/meeting/) and progress on its resolutions
# as cases:action (cases/<pk>/actions/<action_id>/).
urlpatterns += [path(f"cases/<int:pk>/{route}", views.panel_view(handler), name=name)
                for panel in hooks.case_page_panels for route, name, handler in panel.actions]

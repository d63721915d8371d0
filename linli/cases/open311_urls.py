"""Open311 GeoReport v2 routes (included at /open311/v2/); every path ends in .json or .xml."""

from django.urls import re_path

from . import open311

FMT = r"\.(?P<fmt>json|xml)$"
ID = r"(?P<{}>[\w.\-]+)"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="open311-services"),
    re_path(r"^services/" + ID.format("code") + FMT, open311.service_definition, name="open311-service"),
    re_path(r"^requests" + FMT, open311.requests_view, name="open311-requests"),
    re_path(r"^requests/" + ID.format("number") + FMT, open311.request_detail, name="open311-request"),
    re_path(r"^tokens/" + ID.format("token") + FMT, open311.token_view, name="open311-token"),
]

"""POST /api/reports: validate a small JSON body, insert one row, answer 201 with it."""

import datetime

from django.urls import path
from ninja import Field, NinjaAPI, Schema

from .models import Report

api = NinjaAPI(title="bare", docs_url=None)


class ReportIn(Schema):
    description: str = Field(min_length=1, max_length=2000)
    category: str = Field(min_length=1, max_length=64)
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class ReportOut(Schema):
    id: int
    description: str
    category: str
    lat: float
    lng: float
    created_at: datetime.datetime


@api.post("/reports", response={201: ReportOut})
def create_report(request, body: ReportIn):
    return 201, Report.objects.create(**body.dict())


urlpatterns = [path("api/", api.urls)]

"""POST /api/reports: validate a small JSON body, insert one row, answer 201 with it.

POST /api/reports-rows: the same body and validation, then, in one transaction, the rows linli's intake writes (the
day's number from a counter upsert, a case row, two timeline rows, two outbox rows: models.py), answered 201 with
the case row. No reads, no routing, no authentication: the database's and the ORM's share of an intake.
"""

import datetime

from django.db import connection, transaction
from django.urls import path
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema

from .models import CaseRow, Counter, EventRow, OutboxRow, Report

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


class CaseRowOut(Schema):
    id: int
    number: str
    description: str
    state: str
    lat: float | None
    lng: float | None
    created_at: datetime.datetime


def take_number(day: datetime.date) -> str:
    table = connection.ops.quote_name(Counter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (day, last) VALUES (%s, 1) ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 "
                       "RETURNING last", [day])
        return f"{day:%Y%m%d}-{cursor.fetchone()[0]:05d}"


@api.post("/reports-rows", response={201: CaseRowOut})
def create_case_rows(request, body: ReportIn):
    now = timezone.now()
    due = now + datetime.timedelta(days=1)
    with transaction.atomic():
        case = CaseRow.objects.create(
            number=take_number(timezone.localdate(now)), title=body.description[:40], description=body.description, category_id=2,
            source="resident", state="assigned", tier="community", reporter_id=62, reporter_person_id=333, reporter_name="周富贵",
            entered_by_id=62, dwelling_id=209, lat=body.lat, lng=body.lng, building_id=7, grid_id=1, micro_grid_id=8, community_id=1,
            subdistrict_id=1, assignee_id=2, response_due=due, handling_due=due + datetime.timedelta(days=4), created_at=now,
            updated_at=now)
        submit, assign = EventRow.objects.bulk_create([
            EventRow(case=case, at=now, actor_id=62, action="submit", to_state="assigned", to_tier="community", assignee_id=2,
                     note=body.description, data={"source": "resident", "confidence": None, "suggested": None}),
            EventRow(case=case, at=now, action="assign", from_state="assigned", to_state="assigned", to_tier="community", assignee_id=2,
                     note=f"按类别 {body.category} 分派", data={"response_due": due.isoformat(), "handling_due": due.isoformat()}),
        ])
        OutboxRow.objects.bulk_create([
            OutboxRow(event_key=f"case:{case.pk}:event:{assign.pk}", channel="inapp", recipient_id=2, subject=f"新诉求 {case.number}：{case.title}",
                      body=case.title, link=f"/cases/{case.pk}/", payload={"case": case.number, "action": "assign"}, status="sent",
                      next_attempt_at=now, sent_at=now, created_at=now),
            OutboxRow(event_key=f"case:{case.pk}:event:{submit.pk}", channel="inapp", recipient_id=62, subject=f"我们已收到您的诉求 {case.number}",
                      body=case.title, link=f"/cases/{case.pk}/", payload={"case": case.number, "action": "submit"}, status="sent",
                      next_attempt_at=now, sent_at=now, created_at=now),
        ])
    return 201, case


urlpatterns = [path("api/", api.urls)]

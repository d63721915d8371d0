"""POST /api/reports: validate a small JSON body, insert one row, answer 201 with it.

POST /api/reports-rows: the same body and validation, then, in one transaction, the rows linli's intake writes (the
day's number from a counter upsert, a case row, two timeline rows, two outbox rows: models.py), answered 201 with
the case row. No reads, no routing, no authentication: the database's and the ORM's share of an intake.

POST /api/reports-raw: the same rows with the same values, written through a cursor with INSERT statements built once
per process (no model instances, no SQL compiler, values as the database takes them): the database's share of an
intake with as little Python around the writes as Django allows.
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


_RAW: dict = {}


def _raw_insert(model, columns: list[str], rows: int) -> str:
    """INSERT … VALUES (…)×rows RETURNING id, built once per process and database."""
    key = (model, rows, connection.vendor)
    if key not in _RAW:
        qn = connection.ops.quote_name
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        _RAW[key] = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
                     f"VALUES {', '.join([one] * rows)} RETURNING {qn('id')}")
    return _RAW[key]


CASE_COLUMNS = ["number", "title", "description", "category_id", "suggested_category_id", "confidence", "categorised_by_person", "source",
                "state", "tier", "reporter_id", "reporter_person_id", "reporter_name", "reporter_phone", "reporter_phone_hash",
                "entered_by_id", "open311_client_id", "open311_token", "dwelling_id", "lat", "lng", "address", "building_id", "grid_id",
                "micro_grid_id", "community_id", "subdistrict_id", "assignee_id", "assignee_org_id", "response_due", "handling_due",
                "overdue", "responded_at", "resolved_at", "closed_at", "rating_due", "result", "verdict", "verdict_comment",
                "rework_count", "parent_id", "version", "created_at", "updated_at", "intake_key"]
EVENT_COLUMNS = ["case_id", "at", "actor_id", "action", "from_state", "to_state", "from_tier", "to_tier", "assignee_id",
                 "assignee_org_id", "note", "data", "public"]
OUTBOX_COLUMNS = ["event_key", "channel", "recipient_id", "address", "subject", "body", "link", "payload", "status", "attempts",
                  "next_attempt_at", "sent_at", "read_at", "last_error", "created_at"]


@api.post("/reports-raw", response={201: CaseRowOut})
def create_case_raw(request, body: ReportIn):
    now = timezone.now()
    due = now + datetime.timedelta(days=1)
    handling = due + datetime.timedelta(days=4)
    at = connection.ops.adapt_datetimefield_value
    as_json = EventRow._meta.get_field("data").get_db_prep_save  # SQLite: text; PostgreSQL: jsonb
    title = body.description[:40]
    with transaction.atomic(), connection.cursor() as cursor:
        number = take_number(timezone.localdate(now))
        cursor.execute(_raw_insert(CaseRow, CASE_COLUMNS, 1), [
            number, title, body.description, 2, None, None, False, "resident", "assigned", "community", 62, 333, "周富贵", "", "", 62,
            None, "", 209, body.lat, body.lng, "", 7, 1, 8, 1, 1, 2, None, at(due), at(handling), False, None, None, None, None, "", "",
            "", 0, None, 0, at(now), at(now), None])
        case_id = cursor.fetchone()[0]
        cursor.execute(_raw_insert(EventRow, EVENT_COLUMNS, 2), [
            case_id, at(now), 62, "submit", "", "assigned", "", "community", 2, None, body.description,
            as_json({"source": "resident", "confidence": None, "suggested": None}, connection), True,
            case_id, at(now), None, "assign", "assigned", "assigned", "", "community", 2, None, f"按类别 {body.category} 分派",
            as_json({"response_due": due.isoformat(), "handling_due": handling.isoformat()}, connection), True])
        submit_id, assign_id = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(_raw_insert(OutboxRow, OUTBOX_COLUMNS, 2), [
            f"case:{case_id}:event:{assign_id}", "inapp", 2, "", f"新诉求 {number}：{title}", title, f"/cases/{case_id}/",
            as_json({"case": number, "action": "assign"}, connection), "sent", 0, at(now), at(now), None, "", at(now),
            f"case:{case_id}:event:{submit_id}", "inapp", 62, "", f"我们已收到您的诉求 {number}", title, f"/cases/{case_id}/",
            as_json({"case": number, "action": "submit"}, connection), "sent", 0, at(now), at(now), None, "", at(now)])
    return 201, {"id": case_id, "number": number, "description": body.description, "state": "assigned", "lat": body.lat,
                 "lng": body.lng, "created_at": now}


urlpatterns = [path("api/", api.urls)]

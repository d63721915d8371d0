"""The cases retention sweep (docs/privacy.md, "Retention"; linli/cases/retention.py): a closed case's reporter name
and phone are cleared 3 years after closing — exactly the old closed ones change, the case, its timeline and its
rating stay; open cases keep their contact; batched, idempotent, audited, logged without personal data; run by the
worker, then resting."""

import datetime
import logging

import pytest
from django.db import connection
from django.utils import timezone

from linli.cases import retention, services
from linli.cases.models import Case, CaseEvent, Rating
from linli.core import worker
from linli.core.models import AuditLog
from linli.people.retention import years_before
from linli.people.scopes import resolve, system

TODAY = datetime.date(2026, 6, 1)  # the cut-off is 1 June 2023: closed before that day (local time) is due


def at(day: datetime.date, hour=10, minute=0, second=0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute, second)))


def hotline(world, name: str, phone: str, text: str) -> Case:
    return services.submit(system(), source="hotline", description=text, category="env.sewage", lat=40.0805, lng=113.3015,
                           reporter_name=name, reporter_phone=phone)


def closed(case: Case, when: datetime.datetime, state=Case.State.CLOSED) -> Case:
    Case.objects.filter(pk=case.pk).update(state=state, closed_at=when)
    return case


def stored(case: Case) -> tuple:
    """The columns as the database holds them (the phone column is ciphertext or "")."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT reporter_name, reporter_phone, reporter_phone_hash FROM {Case._meta.db_table} WHERE id = %s", [case.pk])
        return cur.fetchone()


@pytest.fixture
def aged(world, cats):
    """Closed cases older than 3 years (old), younger (young), on the boundary day, and open ones created long ago."""
    assert years_before(TODAY, 3) == datetime.date(2023, 6, 1)
    # the real loop: reported by a resident, resolved, rated satisfied → closed with a rating, then aged
    rated = services.submit(resolve(world.accounts["resident"]), source="resident", description="楼上渗水，卫生间天花板一直滴水",
                            category="home.leak", dwelling=world.dwellings["A1-101"])
    gw = resolve(world.accounts["grid_worker"])
    services.accept(gw, rated)
    services.resolve(gw, Case.objects.get(pk=rated.pk), "已联系楼上住户维修管道")
    services.rate(resolve(world.accounts["resident"]), Case.objects.get(pk=rated.pk), "satisfied")
    assert Case.objects.get(pk=rated.pk).state == Case.State.CLOSED
    closed(rated, at(datetime.date(2021, 3, 1)))
    old = [
        rated,
        closed(hotline(world, "张秀兰", "13700001111", "菜市场污水外溢到小区门口"), at(datetime.date(2022, 1, 10))),
        closed(hotline(world, "李建军", "13700002222", "路口污水井冒水"), at(datetime.date(2023, 5, 31))),  # 3 years + 1 day
        # the last second of 31 May 2023 (local time): still before the cut-off day
        closed(hotline(world, "赵桂芳", "13700003333", "小区后门污水横流"), at(datetime.date(2023, 5, 31), 23, 59, 59)),
        # merged into a parent that closed then: the child carries the parent's closed_at
        closed(hotline(world, "孙志强", "13700004444", "同一处污水又报一次"), at(datetime.date(2022, 2, 1)), state=Case.State.MERGED),
    ]
    young = [
        closed(hotline(world, "周丽娟", "13700005555", "菜市场门口污水"), at(datetime.date(2023, 6, 2))),  # 3 years − 1 day
        # the boundary: closed on the cut-off day itself (its first second) is kept, as years_before treats a resident
        # who left exactly 3 years ago — it is due the next day
        closed(hotline(world, "吴海燕", "13700006666", "污水漫到人行道"), at(datetime.date(2023, 6, 1), 0, 0, 0)),
    ]
    open_ = [hotline(world, "郑国庆", "13700007777", "五年前报的污水问题"),
             hotline(world, "冯淑珍", "13700008888", "并入一件未结的案件")]
    five_years_ago = at(datetime.date(2021, 5, 1))
    Case.objects.filter(pk=open_[0].pk).update(created_at=five_years_ago)
    Case.objects.filter(pk=open_[1].pk).update(created_at=five_years_ago, state=Case.State.MERGED)  # its parent is still open
    return {"old": old, "young": young, "open": open_, "rated": rated}


def contact(case: Case) -> tuple:
    c = Case.objects.get(pk=case.pk)
    return c.reporter_name, c.reporter_phone, c.reporter_phone_hash


def test_exactly_the_cases_closed_before_the_cutoff_lose_their_contact(aged):
    kept_before = {c.pk: contact(c) for c in aged["young"] + aged["open"]}
    assert all(name and phone and h for name, phone, h in kept_before.values())
    assert all(contact(c)[0] for c in aged["old"])
    events = {c.pk: CaseEvent.objects.filter(case=c).count() for c in aged["old"]}
    ratings = Rating.objects.filter(case=aged["rated"]).count()
    assert ratings == 1

    assert retention.run(TODAY) == 5

    for c in aged["old"]:
        assert contact(c) == ("", "", "")
        case = Case.objects.get(pk=c.pk)
        assert case.closed_at is not None and case.description  # the case stays
        assert CaseEvent.objects.filter(case=c).count() == events[c.pk]
    assert Rating.objects.filter(case=aged["rated"]).count() == ratings
    assert Case.objects.get(pk=aged["rated"].pk).state == Case.State.CLOSED
    assert {c.pk: contact(c) for c in aged["young"] + aged["open"]} == kept_before


def test_what_is_stored_equals_what_save_of_an_empty_contact_stores(aged):
    retention.run(TODAY)
    saved = Case.objects.get(pk=aged["young"][0].pk)
    saved.reporter_name, saved.reporter_phone = "", ""
    saved.save(update_fields=["reporter_name", "reporter_phone", "reporter_phone_hash"])
    assert stored(aged["old"][1]) == stored(saved) == ("", "", "")
    assert Case.objects.filter(reporter_phone_hash="", pk=aged["old"][1].pk).exists()


def test_idempotent_and_the_boundary_day_follows_a_day_later(aged):
    assert retention.run(TODAY) == 5
    assert retention.run(TODAY) == 0
    assert AuditLog.objects.filter(action="anonymise").count() == 1
    # a day later the case closed on the cut-off day is due, and nothing else
    assert retention.run(TODAY + datetime.timedelta(days=1)) == 1
    assert contact(aged["young"][1]) == ("", "", "") and contact(aged["young"][0])[0] == "周丽娟"
    assert retention.run(TODAY + datetime.timedelta(days=2)) == 1  # closed 2 June 2023
    # open cases keep their contact however old they are
    assert retention.run(TODAY + datetime.timedelta(days=3650)) == 0
    assert all(contact(c)[0] and contact(c)[2] for c in aged["open"])


def test_the_period_is_a_setting(aged, settings):
    settings.LINLI_RETENTION_CASE_CONTACT_YEARS = 10
    assert retention.run(TODAY) == 0
    settings.LINLI_RETENTION_CASE_CONTACT_YEARS = 1
    assert retention.run(TODAY) == 7


def test_batches_oldest_closing_first(aged, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 2)
    assert retention.run(TODAY) == 2
    # closed 2021-03-01 (the rated one) and 2022-01-10 go first; the merged child (2022-02-01) waits
    assert contact(aged["old"][0]) == contact(aged["old"][1]) == ("", "", "")
    assert contact(aged["old"][4])[0] == "孙志强"
    assert retention.run(TODAY) == 2
    assert retention.run(TODAY) == 1
    assert retention.run(TODAY) == 0
    rows = AuditLog.objects.filter(action="anonymise").order_by("pk")
    assert [r.detail["count"] for r in rows] == [2, 2, 1]


def test_one_batch_is_a_fixed_number_of_queries(aged, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # pick the ids, one UPDATE, one audit row (+ the savepoint pair)
        assert retention.run(TODAY) == 5


def test_the_audit_row_holds_the_count_and_no_personal_data(aged):
    retention.run(TODAY)
    row = AuditLog.objects.get(action="anonymise")
    assert row.actor is None and row.subject_id == "" and row.field == "reporter_name,reporter_phone"
    assert row.detail == {"kind": "case_contacts", "before": "2023-06-01", "count": 5}
    text = f"{row.subject_label} {row.reason} {row.detail}"
    assert "张秀兰" not in text and "13700001111" not in text


def test_the_log_holds_counts_not_personal_data(aged, caplog):
    before = [contact(c) for c in aged["old"]]
    with caplog.at_level(logging.INFO, logger="linli.retention"):
        retention.run(TODAY)
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "cleared the reporter contact of 5 cases closed before 2023-06-01" in text
    for name, phone, h in before:
        assert name not in text and (not phone or phone not in text) and (not h or h not in text)


def test_the_worker_runs_it_and_then_rests(aged, settings, monkeypatch):
    assert worker.registered()["case_contacts"] is retention.case_contacts_sweep
    monkeypatch.setattr(retention, "_state", {"rest_until": 0.0})
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    assert worker.run_once()["case_contacts"] == 5
    assert worker.run_once()["case_contacts"] == 0  # nothing left: rests for LINLI_RETENTION_EVERY_HOURS
    closed(aged["open"][0], at(datetime.date(2022, 5, 1)))
    assert worker.run_once()["case_contacts"] == 0  # resting: not looked at before the next day
    monkeypatch.setattr(retention, "_state", {"rest_until": 0.0})
    assert worker.run_once()["case_contacts"] == 1
    settings.LINLI_RETENTION_EVERY_HOURS = 0  # off
    monkeypatch.setattr(retention, "_state", {"rest_until": 0.0})
    closed(aged["open"][1], at(datetime.date(2022, 5, 1)), state=Case.State.MERGED)
    assert worker.run_once()["case_contacts"] == 0
    assert contact(aged["open"][1])[0] == "冯淑珍"

"""The status page (/status/, superusers only) and the load balancer's /healthz (no sign-in): what they show, to whom,
and /healthz's 503 when the process cannot reach its database."""

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from linli.core.models import WorkerBeat
from linli.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in(world, key) -> Client:
    c = Client()
    assert c.login(username=world.accounts[key].username, password=PASSWORD)
    return c


def test_healthz_answers_without_sign_in_and_is_never_cached(client):
    r = client.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    assert "no-store" in r["Cache-Control"] or "no-cache" in r["Cache-Control"]
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_while_the_database_cannot_be_reached(client):
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-linli-dir/none.sqlite3"
    else:
        from linli.testing.pg import free_port

        connection.settings_dict["PORT"] = free_port()  # nothing listens there
    try:
        r = client.get("/healthz")
        assert (r.status_code, r.json()) == (503, {"status": "unavailable"})
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert client.get("/healthz").status_code == 200  # the next request connects afresh


def test_the_status_page_is_for_superusers_only(world, client):
    assert client.get("/status/").status_code == 302  # to the sign-in page
    secretary = _signed_in(world, "community_secretary")
    assert secretary.get("/status/").status_code == 403
    assert 'href="/status/"' not in secretary.get("/").content.decode()


def test_the_status_page_shows_every_check_and_no_personal_data(world):
    WorkerBeat.objects.create(name="host:9", beat_at=timezone.now())
    admin = _signed_in(world, "admin")
    r = admin.get("/status/")
    html = r.content.decode()
    assert r.status_code == 200 and "系统状态" in html
    for name in ("database", "disk", "worker", "outbox", "jobs", "replica", "classifier"):
        assert f'id="check-{name}"' in html, name
    assert 'id="check-worker" data-level="ok"' in html
    assert 'href="/status/"' in admin.get("/").content.decode()  # in the superuser's menu
    for person in world.persons.values():
        assert person.name not in html

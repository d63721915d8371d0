"""A bearer token's last_used_at is written at most every LAST_USED_EVERY (5 minutes): an API call
within that window after the last write runs no UPDATE at all (no write lock taken to read)."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.people import auth
from linli.people.auth import account_for_token, issue_token
from linli.people.models import ApiToken
from linli.testing.api import bearer


def _updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


def test_first_use_is_recorded_then_not_rewritten_within_the_window(world):
    token, secret = issue_token(world.accounts["grid_worker"], "script")
    assert token.last_used_at is None
    assert account_for_token(secret) == world.accounts["grid_worker"]
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            assert account_for_token(secret) is not None
        assert _updates(ctx.captured_queries) == []
    token.refresh_from_db()
    assert token.last_used_at == first


def test_a_stale_value_is_refreshed(world):
    token, secret = issue_token(world.accounts["grid_worker"], "script")
    old = timezone.now() - auth.LAST_USED_EVERY - datetime.timedelta(seconds=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=old)
    with CaptureQueriesContext(connection) as ctx:
        assert account_for_token(secret) is not None
    assert len(_updates(ctx.captured_queries)) == 1
    token.refresh_from_db()
    assert token.last_used_at > old + auth.LAST_USED_EVERY


def test_a_recent_value_written_elsewhere_is_kept(world):
    """Another process wrote it a minute ago: this one sees it fresh and leaves it."""
    token, secret = issue_token(world.accounts["grid_worker"], "script")
    recent = timezone.now() - datetime.timedelta(minutes=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    assert account_for_token(secret) is not None
    token.refresh_from_db()
    assert token.last_used_at == recent


def test_over_http_many_calls_one_write(world):
    token, secret = issue_token(world.accounts["grid_worker"], "script")
    client = bearer(secret)
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(4):
            assert client.get("/api/v1/people/me").status_code == 200
    assert len([q for q in _updates(ctx.captured_queries) if "api" in q.lower() and "last_used_at" in q]) == 1

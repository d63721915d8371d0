"""The worker closes votes whose time is up and publishes their result (each in its own transaction,
re-checking under a row lock that the vote is still open, so a killed worker never counts twice)."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.worker import sweep

from .models import Vote

BATCH = 50


@sweep("council_votes")
def close_due_votes() -> int:
    from . import services

    due = list(Vote.objects.filter(status=Vote.Status.OPEN, closes_at__lte=timezone.now()).order_by("closes_at", "id").values_list("pk", flat=True)[:BATCH])
    closed = 0
    for pk in due:
        try:
            services.close_vote(None, Vote(pk=pk))
            closed += 1
        except ValidationError:
            pass  # closed by someone else meanwhile
    return closed

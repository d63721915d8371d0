"""Long tasks (imports, big exports) as rows the worker claims and runs with progress."""

import logging
import traceback
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from .models import Job
from .worker import supports_skip_locked, sweep

log = logging.getLogger("linli.jobs")

_HANDLERS: dict[str, Callable[[Job], None]] = {}


def handler(kind: str):
    def register(fn):
        _HANDLERS[kind] = fn
        return fn

    return register


def enqueue(kind: str, owner=None, params=None, input_file=None) -> Job:
    if kind not in _HANDLERS:
        raise ValueError(f"unknown job kind: {kind}")
    job = Job(kind=kind, owner=owner, params=params or {})
    if input_file is not None:
        job.input_file.save(getattr(input_file, "name", "upload.xlsx"), input_file, save=False)
    job.save()
    return job


def claim_next() -> Job | None:
    with transaction.atomic():
        qs = Job.objects.filter(status=Job.Status.QUEUED).order_by("created_at", "id")
        if supports_skip_locked():
            job = qs.select_for_update(skip_locked=True).first()
            if job is None:
                return None
            Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
        else:
            job = qs.first()
            if job is None:
                return None
            if not Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(status=Job.Status.RUNNING, started_at=timezone.now()):
                return None
    job.refresh_from_db()
    return job


def progress(job: Job, done: int, total: int | None = None) -> None:
    fields = {"done": done}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job.pk).update(**fields)
    job.done = done
    if total is not None:
        job.total = total


def run(job: Job) -> Job:
    try:
        _HANDLERS[job.kind](job)
    except Exception as exc:
        log.exception("job %s failed", job.pk)
        job.status = Job.Status.FAILED
        job.error = f"{exc}\n{traceback.format_exc(limit=5)}"
    else:
        job.status = Job.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "result", "result_file", "done", "total"])
    return job


@sweep("jobs")
def run_queued_jobs() -> int:
    handled = 0
    while handled < 5:
        job = claim_next()
        if job is None:
            break
        run(job)
        handled += 1
    return handled

"""Plumbing tables every app uses: the audit log, the outbox, background jobs."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditLog(models.Model):
    """Who did what sensitive thing to whose record, when and why. Append-only."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Reveal personal data")
        EXPORT = "export", _("Export")
        EXPORT_REVEALED = "export_revealed", _("Export with personal data")
        IMPORT = "import", _("Import")
        LOGIN = "login", _("Sign-in")
        SUBJECT_ACCESS = "subject_access", _("Copy of a person's data")
        ANONYMISE = "anonymise", _("Anonymise")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=32, choices=Action.choices)
    subject_type = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_label = models.CharField(max_length=200, blank=True)
    # The community whose secretary may browse this row (None: subdistrict level or above).
    community_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    field = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.subject_label}"


class OutboxMessage(models.Model):
    """A notification written in the same transaction as the change it announces.

    The worker delivers it; (event_key, channel, recipient) is unique so one event
    never produces two messages for the same person on the same channel.
    """

    class Channel(models.TextChoices):
        INAPP = "inapp", _("In-app")
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    event_key = models.CharField(max_length=200)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.INAPP)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    address = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)  # outbox_due leads with status: the worker's one query
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "outbox message")
        verbose_name_plural = pgettext_lazy("model", "outbox messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event_key", "channel", "recipient"], name="outbox_one_per_event_recipient"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]


class Job(models.Model):
    """A long task (an import, a large export) run by the worker, with progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="jobs")
    params = models.JSONField(default=dict, blank=True)
    input_file = models.FileField(upload_to="jobs/in/", blank=True)
    result_file = models.FileField(upload_to="jobs/out/", blank=True)
    result = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "background job")
        verbose_name_plural = pgettext_lazy("model", "background jobs")
        ordering = ["-created_at", "-id"]

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == self.Status.DONE else 0)


class CacheGeneration(models.Model):
    """One row per group of tables that process-local caches read (linli.core.memo). A database trigger on each
    table of the group gives the row a new random value in the same transaction as any insert, update or delete,
    bulk and raw ones included, so every server process sees the change with the data it guards."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = pgettext_lazy("model", "cache generation")
        verbose_name_plural = pgettext_lazy("model", "cache generations")


class WorkerBeat(models.Model):
    """One row per background worker process (`linli worker`, or the loop `linli demo` runs): written when it starts,
    every BEAT_SECONDS while it runs and when it stops cleanly, so the status page and `linli status` can tell a
    worker that runs from one that died (linli.core.health). Rows of workers gone for a week are removed."""

    name = models.CharField(max_length=200, primary_key=True)  # host:pid
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)
    loops = models.PositiveBigIntegerField(default=0)
    handled = models.JSONField(default=dict, blank=True)  # sweep name -> rows handled since the worker started
    failures = models.PositiveIntegerField(default=0)  # sweeps that raised since the worker started
    last_failure = models.CharField(max_length=300, blank=True)  # the sweep and the exception's type: no data
    last_failure_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "worker heartbeat")
        verbose_name_plural = pgettext_lazy("model", "worker heartbeats")
        ordering = ["-beat_at"]

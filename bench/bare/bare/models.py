from django.db import models


class Report(models.Model):
    description = models.TextField()
    category = models.CharField(max_length=64)
    lat = models.FloatField()
    lng = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)


# The floor under linli's intake (bench/bench_cases_api.py, target "rows"): the same endpoint, writing in one
# transaction the rows an intake writes, in tables of the same shape as linli's — the day's counter (an upsert), a
# 45-column case row with its indexes, two 13-column timeline rows with theirs, two 15-column outbox rows with their
# indexes and unique key, the same indexes as linli's (partial where linli's are: cases.0006) — through the ORM as a
# plain Django app would. Foreign keys are plain indexed
# integers here (no parent tables, no constraint checks at commit), so this is a lower bound of the database's work.
class Counter(models.Model):
    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField()


# linli's Case columns indexed where set only (linli.cases.models.PARTIAL_INDEXED)
PARTIAL = ("reporter_id", "reporter_person_id", "suggested_category_id", "open311_client_id", "dwelling_id", "micro_grid_id",
           "assignee_org_id", "rating_due", "parent_id")


class CaseRow(models.Model):
    number = models.CharField(max_length=32, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField()
    category_id = models.BigIntegerField(null=True, db_index=True)
    suggested_category_id = models.BigIntegerField(null=True)
    confidence = models.FloatField(null=True)
    categorised_by_person = models.BooleanField(default=False)
    source = models.CharField(max_length=20)
    state = models.CharField(max_length=16, db_index=True)
    tier = models.CharField(max_length=16)
    reporter_id = models.BigIntegerField(null=True)
    reporter_person_id = models.BigIntegerField(null=True)
    reporter_name = models.CharField(max_length=100, blank=True)
    reporter_phone = models.TextField(blank=True)
    reporter_phone_hash = models.CharField(max_length=64, blank=True)
    entered_by_id = models.BigIntegerField(null=True, db_index=True)
    open311_client_id = models.BigIntegerField(null=True)
    open311_token = models.CharField(max_length=40, blank=True, db_index=True)
    dwelling_id = models.BigIntegerField(null=True)
    lat = models.FloatField(null=True)
    lng = models.FloatField(null=True)
    address = models.CharField(max_length=300, blank=True)
    building_id = models.BigIntegerField(null=True, db_index=True)
    grid_id = models.BigIntegerField(null=True, db_index=True)
    micro_grid_id = models.BigIntegerField(null=True)
    community_id = models.BigIntegerField()
    subdistrict_id = models.BigIntegerField(db_index=True)
    assignee_id = models.BigIntegerField(null=True, db_index=True)
    assignee_org_id = models.BigIntegerField(null=True)
    response_due = models.DateTimeField(null=True, db_index=True)
    handling_due = models.DateTimeField(null=True, db_index=True)
    overdue = models.BooleanField(default=False)
    responded_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)
    rating_due = models.DateTimeField(null=True)
    result = models.TextField(blank=True)
    verdict = models.CharField(max_length=16, blank=True)
    verdict_comment = models.TextField(blank=True)
    rework_count = models.PositiveIntegerField(default=0)
    parent_id = models.BigIntegerField(null=True)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    intake_key = models.CharField(max_length=80, null=True, unique=True)

    class Meta:
        indexes = [models.Index(fields=["community_id", "state"], name="caserow_community_state"),
                   models.Index(fields=["state", "closed_at"], name="caserow_state_closed_at",
                                condition=models.Q(closed_at__isnull=False)),
                   *[models.Index(fields=[name], condition=models.Q(**{f"{name}__isnull": False}),
                                  name=f"caserow_{name.removesuffix('_id')}_set"[:30]) for name in PARTIAL]]


class EventRow(models.Model):
    case = models.ForeignKey(CaseRow, on_delete=models.CASCADE, db_index=False)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True)
    action = models.CharField(max_length=16)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    from_tier = models.CharField(max_length=16, blank=True)
    to_tier = models.CharField(max_length=16, blank=True)
    assignee_id = models.BigIntegerField(null=True, db_index=True)
    assignee_org_id = models.BigIntegerField(null=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    public = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["case", "action"], name="eventrow_case_action"),
                   models.Index(fields=["actor_id"], condition=models.Q(actor_id__isnull=False), name="eventrow_actor_set"),
                   models.Index(fields=["assignee_org_id"], condition=models.Q(assignee_org_id__isnull=False), name="eventrow_assignee_org_set")]


class OutboxRow(models.Model):
    event_key = models.CharField(max_length=200)
    channel = models.CharField(max_length=16)
    recipient_id = models.BigIntegerField(null=True, db_index=True)
    address = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True)
    read_at = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_key", "channel", "recipient_id"], name="outboxrow_one_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outboxrow_due")]

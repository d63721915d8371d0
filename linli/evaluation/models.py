"""Scoring rules (versioned, effective from a date) and the property-service satisfaction survey.

Scorecards and rates are never stored: they are computed from the case timelines and the grid-work records
(indicators.py), under the rule version in force on the period's first day (rules.rule_for).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Subject(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    BUILDING_LEADER = "building_leader", _("Building leader")
    COMMUNITY = "community", _("Community")
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    DEPARTMENT = "department", _("Department")
    PROPERTY_COMPANY = "property_company", _("Property company")


class Rule(models.Model):
    """One published version of the scoring rule for a kind of subject. Never edited once published:
    a change is a new version effective from a date; periods starting before it keep the older one."""

    subject = models.CharField(_("subject"), max_length=24, choices=Subject.choices)
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["subject", "-effective_from", "-version"]
        verbose_name = pgettext_lazy("model", "scoring rule")
        verbose_name_plural = pgettext_lazy("model", "scoring rules")
        constraints = [models.UniqueConstraint(fields=["subject", "version"], name="one_rule_version"),
                       models.UniqueConstraint(fields=["subject", "effective_from"], name="one_rule_per_day")]

    def __str__(self):
        return f"{self.get_subject_display()} v{self.version} ({self.effective_from})"

    @property
    def total_weight(self):
        return sum(i.weight for i in self.indicators.all())


class Indicator(models.Model):
    """An indicator of a rule: value ≤ floor scores 0, between floor and target linearly, ≥ target the full weight.
    When target < floor lower is better (a count of overdue cases, the rework rate) and the scale runs the other way."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("indicator"), max_length=40)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)
    floor = models.FloatField(_("floor (scores 0)"))
    target = models.FloatField(_("target (full marks)"))
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = pgettext_lazy("model", "indicator")
        verbose_name_plural = pgettext_lazy("model", "indicators")
        constraints = [models.UniqueConstraint(fields=["rule", "code"], name="one_indicator_per_rule")]

    def __str__(self):
        return self.code


class Survey(models.Model):
    """物业服务满意度测评: a questionnaire for one compound and period; one answer per household."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for answers")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Results published")

    compound = models.ForeignKey("places.Compound", on_delete=models.PROTECT, related_name="surveys", verbose_name=_("compound"))
    company = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="surveys",
                                verbose_name=_("property company"))
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    result = models.JSONField(default=dict, blank=True, help_text=_("the tally frozen when published"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "id"]
        verbose_name = pgettext_lazy("model", "satisfaction survey")
        verbose_name_plural = pgettext_lazy("model", "satisfaction surveys")

    def __str__(self):
        return self.title


class SurveyItem(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("question"), max_length=200)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = pgettext_lazy("model", "survey item")
        verbose_name_plural = pgettext_lazy("model", "survey items")

    def __str__(self):
        return self.text


class SurveyResponse(models.Model):
    """Who answered (the list published beside the results) — not what they answered."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("model", "survey response")
        verbose_name_plural = pgettext_lazy("model", "survey responses")
        constraints = [models.UniqueConstraint(fields=["survey", "household"], name="one_answer_per_household")]


class SurveyAnswer(models.Model):
    """One item's score in the anonymous tally: no household, no time, a random key (row order links nothing)."""

    class Level(models.IntegerChoices):
        SATISFIED = 100, _("Satisfied")
        BASIC = 60, _("Basically satisfied")
        UNSATISFIED = 0, _("Unsatisfied")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(SurveyItem, on_delete=models.CASCADE, related_name="answers")
    score = models.PositiveSmallIntegerField(choices=Level.choices)

    class Meta:
        verbose_name = pgettext_lazy("model", "survey answer")
        verbose_name_plural = pgettext_lazy("model", "survey answers")



class CaseFact(models.Model):
    """Rollup: what one case's timeline says as of the end of the month it was reported in (the figures of every
    monthly period), computed by cases.rates.facts_of. Derived, never edited: rollup.refresh rebuilds the row of
    every case with a timeline step newer than the mark, rollup.rebuild a whole period; the timeline stays the
    source of truth (tests check both agree)."""

    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="evaluation_fact")
    month = models.DateField(db_index=True)  # first day of the month reported (local time)
    routed = models.BooleanField(default=False)
    responded = models.BooleanField(default=False)  # routed and first response by its deadline
    resolved = models.BooleanField(default=False)
    closed = models.BooleanField(default=False)
    closed_on_time = models.BooleanField(default=False)
    reworked = models.BooleanField(default=False)  # resolved and reopened
    verdicts = models.PositiveSmallIntegerField(default=0)
    content = models.PositiveSmallIntegerField(default=0)  # satisfied or basically satisfied
    handling_hours = models.FloatField(null=True)
    handler_id = models.BigIntegerField(null=True, db_index=True)  # the account that accepted first
    department_id = models.BigIntegerField(null=True, db_index=True)  # the organisation holding it when resolved
    overdue = models.BooleanField(default=False)
    escalated = models.BooleanField(default=False)
    triaged = models.BooleanField(default=False)  # sent to triage on intake
    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = pgettext_lazy("model", "case figures (rollup)")
        verbose_name_plural = pgettext_lazy("model", "case figures (rollup)")


class RollupMark(models.Model):
    """How far rollup.refresh has read the timelines (the highest case-step id seen)."""

    key = models.CharField(max_length=32, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = pgettext_lazy("model", "rollup mark")
        verbose_name_plural = pgettext_lazy("model", "rollup marks")

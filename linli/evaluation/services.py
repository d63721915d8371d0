"""Every change evaluation makes: publishing a rule version, running a satisfaction survey.

Rules are published, never edited: a new version carries its effective date (today or later), and periods
starting before it keep the version they were scored under. A survey takes one answer per household (a unique
row, so a second answer — also two at once — is refused) and keeps the answers apart from who gave them.
"""

import datetime
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import roles

from . import indicators
from .models import Indicator, Rule, Subject, Survey, SurveyAnswer, SurveyItem, SurveyResponse

DEFAULTS = Path(__file__).parent / "data" / "default_rules.json"
MAX_INDICATORS = 30


def may_edit_rules(scope) -> bool:
    return scope.everything or scope.has_role(roles.SUBDISTRICT_STAFF)


def may_run_survey(scope, compound) -> bool:
    if scope.everything:
        return True
    for a in scope.appointments:
        if a.role in (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY) and a.home_community_id == compound.community_id:
            return True
        if a.role == roles.SUBDISTRICT_STAFF and a.subdistrict_id == compound.community.subdistrict_id:
            return True
    return False


def _clean_indicators(subject: str, rows) -> list[dict]:
    """rows: dicts code, weight, floor, target. Each bad field named with its rule."""
    if not rows:
        raise ValidationError({"indicators": _("A rule needs at least one indicator.")})
    if len(rows) > MAX_INDICATORS:
        raise ValidationError({"indicators": _("At most %(n)d indicators.") % {"n": MAX_INDICATORS}})
    out, seen = [], set()
    for i, row in enumerate(rows, start=1):
        code = str(row.get("code") or "")
        definition = indicators.DEFINITIONS.get(code)
        if definition is None or subject not in definition.subjects:
            raise ValidationError({"indicators": _("Row %(i)d: %(code)s is not an indicator of this subject.") % {"i": i, "code": code or "—"}})
        if code in seen:
            raise ValidationError({"indicators": _("Row %(i)d: %(code)s is listed twice.") % {"i": i, "code": code}})
        seen.add(code)
        try:
            weight = Decimal(str(row.get("weight")))
            floor, target = float(row.get("floor")), float(row.get("target"))
        except (InvalidOperation, TypeError, ValueError):
            raise ValidationError({"indicators": _("Row %(i)d: weight, floor and target must be numbers.") % {"i": i}})
        if not (Decimal(0) < weight <= Decimal(1000)):
            raise ValidationError({"indicators": _("Row %(i)d: the weight must be above 0 and at most 1000.") % {"i": i}})
        if floor == target:
            raise ValidationError({"indicators": _("Row %(i)d: the floor and the target must differ.") % {"i": i}})
        if definition.unit == indicators.RATE and not (0 <= floor <= 1 and 0 <= target <= 1):
            raise ValidationError({"indicators": _("Row %(i)d: a rate's floor and target lie between 0 and 1.") % {"i": i}})
        out.append({"code": code, "weight": weight, "floor": floor, "target": target, "order": i})
    return out


def publish_rule(scope, subject: str, indicator_rows, effective_from: datetime.date, note: str = "", *, allow_past=False) -> Rule:
    """A new version of the subject's rule from `effective_from` (today or later: a past period is never re-scored)."""
    if not may_edit_rules(scope):
        raise PermissionDenied(_("Only subdistrict staff publish scoring rules."))
    if subject not in Subject.values:
        raise ValidationError({"subject": _("Unknown subject.")})
    if not allow_past and effective_from < timezone.localdate():
        raise ValidationError({"effective_from": _("A rule takes effect today or later; past periods keep the rule they were scored under.")})
    rows = _clean_indicators(subject, indicator_rows)
    try:
        with transaction.atomic():
            version = (Rule.objects.select_for_update().filter(subject=subject).aggregate(v=Max("version"))["v"] or 0) + 1
            rule = Rule.objects.create(subject=subject, version=version, effective_from=effective_from, note=note[:300],
                                       published_by=getattr(scope.account, "pk", None) and scope.account)
            Indicator.objects.bulk_create([Indicator(rule=rule, **row) for row in rows])
    except IntegrityError:
        raise ValidationError({"effective_from": _("A version of this rule already takes effect on that day.")})
    return rule


def seed_default_rules(scope, effective_from: datetime.date = datetime.date(2020, 1, 1), note: str | None = None) -> int:
    """The first version of each subject's rule (data/default_rules.json), where none exists. Its note is shown on the
    rules page as written: by default a sentence in the language active when it is seeded."""
    note = note if note is not None else _("The default rule shipped with linli")
    made = 0
    for subject, rows in json.loads(DEFAULTS.read_text(encoding="utf-8")).items():
        if subject.startswith("_") or Rule.objects.filter(subject=subject).exists():
            continue
        publish_rule(scope, subject, [dict(zip(("code", "weight", "floor", "target"), r)) for r in rows], effective_from,
                     note=note, allow_past=True)
        made += 1
    return made


# ----------------------------------------------------------------- the satisfaction survey
def create_survey(scope, compound, title: str, period_start: datetime.date, period_end: datetime.date, items, company=None) -> Survey:
    """items: [(question, weight)]; the company defaults to the one serving the compound."""
    if not may_run_survey(scope, compound):
        raise PermissionDenied(_("Only the compound's community or subdistrict staff run its survey."))
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationError({"title": _("Title: 1 to 200 characters.")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends on or after it starts.")})
    if not items or len(items) > 50:
        raise ValidationError({"items": _("A questionnaire has 1 to 50 items.")})
    clean = []
    for i, (text, weight) in enumerate(items, start=1):
        text = str(text or "").strip()
        try:
            weight = Decimal(str(weight))
        except InvalidOperation:
            weight = Decimal(-1)
        if not text or len(text) > 200 or not (Decimal(0) < weight <= Decimal(100)):
            raise ValidationError({"items": _("Item %(i)d: a question of 1 to 200 characters and a weight above 0 and at most 100.") % {"i": i}})
        clean.append((text, weight))
    if company is None:
        company = compound.served_by.filter(kind="property_company").first()
    with transaction.atomic():
        survey = Survey.objects.create(compound=compound, company=company, title=title, period_start=period_start,
                                       period_end=period_end, created_by=getattr(scope.account, "pk", None) and scope.account)
        SurveyItem.objects.bulk_create([SurveyItem(survey=survey, text=t, weight=w, order=i) for i, (t, w) in enumerate(clean)])
    return survey


def household_of(scope):
    person = getattr(getattr(scope, "account", None), "person", None)
    return getattr(person, "household", None) if person else None


def answer_survey(scope, survey: Survey, scores: dict) -> SurveyResponse:
    """The caller's household answers (scores: item id → 100 / 60 / 0). One answer per household: a second one,
    or two sent at once, is refused and changes nothing."""
    household = household_of(scope)
    if household is None:
        raise PermissionDenied(_("Only a household of the compound answers its survey."))
    dwelling = household.dwelling
    if dwelling is None or dwelling.building.compound_id != survey.compound_id:
        raise PermissionDenied(_("Only a household of the compound answers its survey."))
    if survey.status != Survey.Status.OPEN:
        raise ValidationError({"survey": _("This survey is closed.")})
    items = list(survey.items.all())
    allowed = set(SurveyAnswer.Level.values)
    clean = []
    for item in items:
        try:
            value = int(scores.get(item.pk, scores.get(str(item.pk))))
        except (TypeError, ValueError):
            value = None
        if value not in allowed:
            raise ValidationError({f"item_{item.pk}": _("“%(q)s”: choose satisfied, basically satisfied or unsatisfied.") % {"q": item.text}})
        clean.append(SurveyAnswer(item=item, score=value))
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(survey=survey, household=household)
            SurveyAnswer.objects.bulk_create(clean)
    except IntegrityError:
        raise ValidationError({"survey": _("Your household has already answered this survey; one answer per household.")})
    return response


def tally(survey: Survey) -> dict:
    """The anonymous tally: per item the mean score (0–100) and the count; the survey's score is the weighted mean."""
    from django.db.models import Avg, Count

    rows = {r["item_id"]: r for r in SurveyAnswer.objects.filter(item__survey=survey).values("item_id").annotate(mean=Avg("score"), n=Count("id"))}
    items, total_w, total = [], Decimal(0), Decimal(0)
    for item in survey.items.all():
        r = rows.get(item.pk)
        mean = round(float(r["mean"]), 2) if r else None
        items.append({"id": item.pk, "text": item.text, "weight": float(item.weight), "mean": mean, "answers": r["n"] if r else 0})
        if mean is not None:
            total_w += item.weight
            total += item.weight * Decimal(str(mean))
    score = round(float(total / total_w), 2) if total_w else None
    return {"score": score, "households": survey.responses.count(), "items": items}


def close_survey(scope, survey: Survey, publish: bool = True) -> Survey:
    """Close the survey; publishing freezes the tally shown to residents and used by the property company's score."""
    if not may_run_survey(scope, survey.compound):
        raise PermissionDenied(_("Only the compound's community or subdistrict staff run its survey."))
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status == Survey.Status.PUBLISHED:
            return survey
        survey.status = Survey.Status.PUBLISHED if publish else Survey.Status.CLOSED
        if publish:
            survey.result = tally(survey)
            survey.published_at = timezone.now()
        survey.save(update_fields=["status", "result", "published_at"])
    return survey

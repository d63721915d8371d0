"""Reads of evaluation, always through the caller's scope: the rates of any group and period, scorecards under
the rule in force, the cases behind a rate, surveys.

Who reads: community and subdistrict staff (their areas' cases), departments and property companies (the cases
they hold, their own figures). The cases counted are cases.queries.staff_q(scope): what the caller sees as a handler.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from linli.cases import queries as case_queries
from linli.cases import rates
from linli.cases.models import Case
from linli.core import roles
from linli.people.models import Account, Appointment, Organization
from linli.places.models import Community, Subdistrict

from . import casefacts, indicators
from .indicators import Period, SubjectRef
from .models import Rule, Subject, Survey

READ_ROLES = (roles.COMMUNITY_SECRETARY, roles.COMMUNITY_STAFF, roles.SUBDISTRICT_STAFF, roles.DEPARTMENT_CONTACT, roles.PROPERTY_MANAGER)
DRILL_GROUP = {Subject.GRID_WORKER: "handler", Subject.COMMUNITY: "community", Subject.SUBDISTRICT: "subdistrict",
               Subject.DEPARTMENT: "department", Subject.PROPERTY_COMPANY: "department"}
STAFF = (roles.COMMUNITY_SECRETARY, roles.COMMUNITY_STAFF, roles.SUBDISTRICT_STAFF)


def may_read(scope) -> bool:
    return scope.everything or scope.has_role(*READ_ROLES)


def is_staff(scope) -> bool:
    return scope.everything or scope.has_role(*STAFF)


def require_reader(scope):
    if not scope.everything and (scope.is_anonymous or not may_read(scope)):
        raise PermissionDenied(_("Evaluation is for community, subdistrict and department staff."))


def cases_for(scope):
    """The cases whose figures the caller may read."""
    require_reader(scope)
    q = case_queries.staff_q(scope)
    return Case.objects.all() if q is None else Case.objects.filter(q)


def rule_for(subject: str, on: datetime.date) -> Rule | None:
    """The version in force on a day: the latest effective on or before it."""
    return (Rule.objects.filter(subject=subject, effective_from__lte=on).order_by("-effective_from", "-version")
            .prefetch_related("indicators").first())


def rules(subject: str | None = None):
    qs = Rule.objects.prefetch_related("indicators").select_related("published_by__person")
    return qs.filter(subject=subject) if subject else qs


# ----------------------------------------------------------------- rates
def rates_by(scope, group: str, period: Period) -> list[dict]:
    """Rates per group for the period, with numerator and denominator of each (for the drill-down)."""
    if group not in rates.GROUPS:
        raise ValueError(f"group must be one of {', '.join(rates.GROUPS)}")
    cases = cases_for(scope)
    if casefacts.is_month(period.start_dt, period.end_dt):  # SQL sums of the rollup
        tallies = casefacts.aggregate(casefacts.fresh_window(cases, period.start_dt, period.end_dt), group)
    else:
        tallies = {k: casefacts.tally(v) for k, v in casefacts.grouped(casefacts.rows(cases, period.start_dt, period.end_dt), group).items()}
    labels = casefacts.labels(group, tallies)
    out = [{**row, "key": key, "label": labels.get(key, "—")} for key, row in tallies.items()]
    return sorted(out, key=lambda r: (-r["reported"], str(r["label"])))


def totals(scope, period: Period) -> dict:
    cases = cases_for(scope)
    if casefacts.is_month(period.start_dt, period.end_dt):
        return casefacts.aggregate(casefacts.fresh_window(cases, period.start_dt, period.end_dt))
    return casefacts.tally(casefacts.rows(cases, period.start_dt, period.end_dt))


def drill(scope, group: str, key, rate: str, period: Period) -> list[dict]:
    """The cases behind one group's rate: every case in its denominator, with whether it counts in the numerator."""
    if rate not in casefacts.PARTS:
        raise ValueError(f"rate must be one of {', '.join(casefacts.RATES)}")
    rows = [r for r in casefacts.rows(cases_for(scope), period.start_dt, period.end_dt)
            if casefacts.in_denominator(rate, r) and (not group or str(casefacts.key_of(group, r)) == str(key))]
    cases = Case.objects.in_bulk([r["id"] for r in rows])
    verdicts = casefacts.verdicts_of(cases, period.end_dt) if rate == "satisfaction_rate" else {}
    return [{"case": cases[r["id"]], "numerator": casefacts.num(rate, r), "denominator": casefacts.den(rate, r),
             "verdicts": verdicts.get(r["id"], []), "counted": casefacts.in_numerator(rate, r)} for r in rows]


# ----------------------------------------------------------------- scorecards
def score_of(value, weight: float, floor: float, target: float) -> float | None:
    """0 at or beyond the floor, the full weight at or beyond the target, linear between (either direction)."""
    if value is None:
        return None
    share = (value - floor) / (target - floor)
    return round(weight * min(1.0, max(0.0, share)), 2)


@dataclass
class Scorecard:
    subject: SubjectRef
    period: Period
    rule: Rule | None
    lines: list = field(default_factory=list)
    score: float | None = None
    full: float = 0

    def as_dict(self):
        return {"subject": self.subject.kind, "subject_id": self.subject.pk, "label": self.subject.label, "period": self.period.label,
                "rule_version": self.rule.version if self.rule else None,
                "rule_effective_from": self.rule.effective_from if self.rule else None,
                "score": self.score, "full": self.full,
                "lines": [{k: v for k, v in line.items() if k != "records"} for line in self.lines]}


def scorecard(scope, subject: SubjectRef, period: Period, with_records: bool = False) -> Scorecard:
    """One subject's card (scorecards() of one)."""
    return scorecards(scope, subject.kind, [subject], period, with_records)[0]


def scorecards(scope, kind: str, subjects_: list, period: Period, with_records: bool = False) -> list[Scorecard]:
    """The cards of some subjects of one kind, under the rule in force on the period's first day, computed in one pass
    (indicators.Batch: the queries do not grow with the number of subjects or cases). An indicator with nothing to
    measure (no denominator) is left out and the others are scaled to the rule's full marks."""
    cases = cases_for(scope)
    for s in subjects_:
        if not s.label:
            s.label = indicators.label_of(s)
    rule = rule_for(kind, period.start)
    batch = indicators.Batch(kind, subjects_, period, cases)
    cards = []
    for subject in subjects_:
        card = Scorecard(subject, period, rule)
        cards.append(card)
        if rule is None:
            continue
        full = sum(float(i.weight) for i in rule.indicators.all())
        got = weight_measured = 0.0
        for ind in rule.indicators.all():
            m = indicators.measure(ind.code, subject, batch)
            applicable = m.value is not None and (indicators.DEFINITIONS[ind.code].unit == indicators.COUNT or m.denominator)
            points = score_of(m.value, float(ind.weight), ind.floor, ind.target) if applicable else None
            line = {"code": ind.code, "label": str(indicators.DEFINITIONS[ind.code].label), "unit": indicators.DEFINITIONS[ind.code].unit,
                    "weight": float(ind.weight),
                    "floor": ind.floor, "target": ind.target, "value": m.value, "numerator": m.numerator,
                    "denominator": m.denominator, "points": points}
            if with_records:
                line["records"] = m.records
                if ind.code in casefacts.PARTS and DRILL_GROUP.get(kind):  # the drill-down lists all the cases behind a rate
                    line["drill"] = f"group={DRILL_GROUP[kind]}&key={subject.pk}&rate={ind.code}"
            card.lines.append(line)
            if points is not None:
                got += points
                weight_measured += float(ind.weight)
        card.full = full
        card.score = round(got * full / weight_measured, 2) if weight_measured else None
    return cards


def subjects(scope, kind: str, period: Period) -> list[SubjectRef]:
    """The subjects of a kind the caller may read."""
    cases = cases_for(scope)  # checks the reader
    if kind in (Subject.GRID_WORKER, Subject.BUILDING_LEADER):
        role = roles.GRID_WORKER if kind == Subject.GRID_WORKER else roles.BUILDING_LEADER
        appts = (Appointment.objects.filter(role=role, starts_on__lt=period.end)
                 .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start)))
        if not scope.everything:
            communities = _communities(scope)
            appts = appts.filter(home_community_id__in=communities)
        accounts = Account.objects.filter(person_id__in=appts.values("person_id")).select_related("person").order_by("id")
        return [SubjectRef(kind, a.pk, a.person.name if a.person_id else a.username) for a in accounts]
    if kind == Subject.COMMUNITY:
        qs = Community.objects.all() if scope.everything else Community.objects.filter(pk__in=_communities(scope))
        return [SubjectRef(kind, c.pk, c.name) for c in qs.order_by("id")]
    if kind == Subject.SUBDISTRICT:
        qs = Subdistrict.objects.filter(pk__in=Community.objects.filter(pk__in=_communities(scope)).values("subdistrict_id")) \
            if not scope.everything else Subdistrict.objects.all()
        return [SubjectRef(kind, s.pk, s.name) for s in qs.order_by("id")]
    org_kind = Organization.Kind.DEPARTMENT if kind == Subject.DEPARTMENT else Organization.Kind.PROPERTY_COMPANY
    own = case_queries.org_ids(scope)
    if is_staff(scope):
        ids = set(cases.exclude(assignee_org_id=None).values_list("assignee_org_id", flat=True)) | own
        qs = Organization.objects.filter(kind=org_kind)
        if not scope.everything:
            qs = qs.filter(Q(pk__in=ids) | Q(community_id__in=_communities(scope)) | Q(subdistrict_id__in=_subdistricts(scope)))
    else:
        qs = Organization.objects.filter(kind=org_kind, pk__in=own)
    return [SubjectRef(kind, o.pk, o.name) for o in qs.order_by("id")]


def _communities(scope) -> set:
    ids = set(scope.community_ids)
    subs = _subdistricts(scope)
    if subs:
        ids |= set(Community.objects.filter(subdistrict_id__in=subs).values_list("id", flat=True))
    return ids


def _subdistricts(scope) -> set:
    return {a.subdistrict_id for a in scope.appointments if a.role == roles.SUBDISTRICT_STAFF and a.subdistrict_id}


def may_read_subject(scope, subject: SubjectRef, period: Period) -> bool:
    return scope.everything or any(s.pk == subject.pk for s in subjects(scope, subject.kind, period))


# ----------------------------------------------------------------- surveys
def surveys(scope):
    """Surveys in the caller's areas (staff, property company), or of the resident's own compound."""
    if scope.everything:
        return Survey.objects.select_related("compound", "company")
    q = Q(compound__community_id__in=_communities(scope)) | Q(company_id__in=case_queries.org_ids(scope))
    person = getattr(scope.account, "person", None)
    household = getattr(person, "household", None) if person else None
    if household is not None and household.dwelling_id:
        q |= Q(compound_id=household.dwelling.building.compound_id)
    return Survey.objects.filter(q).select_related("compound", "company")


def survey_results(scope, survey: Survey) -> dict | None:
    """Published results (everyone who sees the survey) or the live tally (its staff); the households who answered."""
    from . import services

    staff = services.may_run_survey(scope, survey.compound)
    if survey.status != Survey.Status.PUBLISHED and not staff:
        return None
    result = survey.result if survey.status == Survey.Status.PUBLISHED else services.tally(survey)
    answered = [str(r.household.dwelling) if r.household.dwelling_id else r.household.number
                for r in survey.responses.select_related("household__dwelling__building").order_by("household__dwelling__building__id", "household_id")]
    return {**result, "answered": answered, "published": survey.status == Survey.Status.PUBLISHED}

"""JSON API for evaluation (mounted at /api/v1/evaluation): rates of any group and period, scorecards, survey
results — all filtered by the caller's scope (community, subdistrict, department or property company staff)."""

import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from typing import Annotated

from ninja import Field, Query, Router, Schema
from pydantic import AfterValidator

from linli.cases import rates
from linli.core import replica
from linli.core.api_limits import OneOf, Published, Text
from linli.people.scopes import for_request

from . import queries
from .indicators import Period, SubjectRef
from .models import Subject

router = Router(tags=["evaluation"])


MONTH_PATTERN = r"^((19|20)[0-9]{2}-(0[1-9]|1[0-2]))?$"
DAYS_MAX = 3660  # ten years


def _year_in_range(day: datetime.date) -> datetime.date:
    if not 1900 <= day.year <= 2099:  # the published pattern says so; a 422 naming the field otherwise
        raise ValueError("start: a date from 1900 to 2099")
    return day


# a date whose year is 1900–2099 (so start + days stays a real moment in every time zone): format date + pattern
StartDay = Annotated[datetime.date, AfterValidator(_year_in_range), Published(pattern=r"^(19|20)[0-9]{2}-")]


class PeriodIn(Schema):
    """A calendar month (month=YYYY-MM; empty: this month), or any period of `days` days from `start` (start given:
    [start, start + days); days 1–3660, 31 when left out). Every value the schema allows is answered."""

    month: Text(7, pattern=MONTH_PATTERN) | None = None
    start: StartDay | None = None
    days: int = Field(31, ge=1, le=DAYS_MAX)


def _period(p: PeriodIn) -> Period:
    if p.start:
        return Period(p.start, p.start + datetime.timedelta(days=p.days))
    return Period.parse(p.month)


class EvaluationRateOut(Schema):
    key: int | None
    label: str
    reported: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_closure_rate: float | None
    rework_rate: float | None
    average_handling_hours: float | None
    overdue: int
    escalated: int


class EvaluationScoreLineOut(Schema):
    code: str
    label: str
    weight: float
    floor: float
    target: float
    value: float | None
    numerator: float
    denominator: float
    points: float | None


class EvaluationScorecardOut(Schema):
    subject: str
    subject_id: int
    label: str
    period: str
    rule_version: int | None
    rule_effective_from: datetime.date | None
    score: float | None
    full: float
    lines: list[EvaluationScoreLineOut]


class EvaluationSurveyItemOut(Schema):
    id: int
    text: str
    weight: float
    mean: float | None
    answers: int


class EvaluationSurveyResultOut(Schema):
    id: int
    title: str
    compound: str
    published: bool
    score: float | None
    households: int
    items: list[EvaluationSurveyItemOut]
    answered: list[str]


@router.get("/rates", response=list[EvaluationRateOut], summary="Rates per group for a period")
@replica.reading
def rates_view(request, group: OneOf(rates.GROUPS, blank=False) = "community", period: Query[PeriodIn] = None):
    if group not in rates.GROUPS:
        raise ValidationError({"group": f"group: one of {', '.join(rates.GROUPS)}"})
    rows = queries.rates_by(for_request(request), group, _period(period or PeriodIn()))
    return [{**r, "label": str(r["label"])} for r in rows]


@router.get("/scorecards/{subject}", response=list[EvaluationScorecardOut], summary="Scorecards of every subject of a kind the caller reads")
@replica.reading
def scorecards(request, subject: OneOf(Subject.values, blank=False), period: Query[PeriodIn] = None):
    if subject not in Subject.values:
        raise ValidationError({"subject": f"subject: one of {', '.join(Subject.values)}"})
    scope, p = for_request(request), _period(period or PeriodIn())
    return [card.as_dict() for card in queries.scorecards(scope, subject, queries.subjects(scope, subject, p)[:200], p)]


@router.get("/scorecards/{subject}/{subject_id}", response=EvaluationScorecardOut, summary="One subject's scorecard")
@replica.reading
def scorecard(request, subject: OneOf(Subject.values, blank=False), subject_id: int, period: Query[PeriodIn] = None):
    if subject not in Subject.values:
        raise ValidationError({"subject": f"subject: one of {', '.join(Subject.values)}"})
    scope, p = for_request(request), _period(period or PeriodIn())
    ref = SubjectRef(subject, subject_id)
    if not queries.may_read_subject(scope, ref, p):
        from django.http import Http404

        raise Http404
    return queries.scorecard(scope, ref, p).as_dict()


@router.get("/surveys/{survey_id}/results", response=EvaluationSurveyResultOut, summary="A satisfaction survey's results")
def survey_results(request, survey_id: int):
    scope = for_request(request)
    survey = get_object_or_404(queries.surveys(scope), pk=survey_id)
    result = queries.survey_results(scope, survey)
    if result is None:
        from django.http import Http404

        raise Http404
    return {"id": survey.pk, "title": survey.title, "compound": str(survey.compound), **result}

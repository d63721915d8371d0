"""Pages: scorecards (with the records behind each line), the cases behind a rate, the rules (subdistrict staff
publish versions), satisfaction surveys (answer, results). Thin: parse, call a service or query, render."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from linli.cases import rates
from linli.cases.models import Case
from linli.core import replica
from linli.people.scopes import for_request

from . import casefacts, indicators, queries, services
from .indicators import Period
from .models import Subject, SurveyAnswer

CARDS_PAGE = 20  # scorecards a page (computed for the page's subjects only)
LIST_PAGE = 50  # surveys a page


def _fail(request, exc):
    msgs = [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "message_dict") else list(getattr(exc, "messages", [str(exc)]))
    for m in msgs:
        messages.error(request, m)


@login_required
@replica.reading
def home(request):
    scope = for_request(request)
    period = Period.parse(request.GET.get("month"))
    kind = request.GET.get("subject") or (Subject.COMMUNITY if queries.is_staff(scope) else Subject.DEPARTMENT)
    if kind not in Subject.values:
        kind = Subject.COMMUNITY
    page = Paginator(queries.subjects(scope, kind, period), CARDS_PAGE).get_page(request.GET.get("page"))
    cards = queries.scorecards(scope, kind, list(page.object_list), period, with_records=True)
    return render(request, "evaluation/home.html", {"cards": cards, "page_obj": page, "kind": kind, "subjects": Subject.choices, "month": period.label})


@login_required
@replica.reading
def drill(request):
    scope = for_request(request)
    period = Period.parse(request.GET.get("month"))
    group, rate, key = request.GET.get("group") or "grid", request.GET.get("rate") or "satisfaction_rate", request.GET.get("key") or ""
    if group not in rates.GROUPS or rate not in casefacts.PARTS:
        raise PermissionDenied(_("Unknown group or rate."))
    rows = queries.drill(scope, group, key, rate, period)
    verdict_names = dict(Case.Verdict.choices)
    for r in rows:
        r["verdict_labels"] = [str(verdict_names.get(v, v)) for v in r["verdicts"] if v]
    label = casefacts.labels(group, [int(key)] if key.isdigit() else []).get(int(key) if key.isdigit() else None, "—")
    num = sum(r["numerator"] for r in rows)
    den = sum(r["denominator"] for r in rows)
    return render(request, "evaluation/drill.html", {"rows": rows, "label": label, "rate": rate, "rate_label": indicators.DEFINITIONS[rate].label,
                                                     "num": num, "den": den, "value": round(num / den * 100, 2) if den else None,
                                                     "month": period.label, "group": group})


@login_required
def rules(request):
    scope = for_request(request)
    queries.require_reader(scope)
    if request.method == "POST":
        subject = request.POST.get("subject", "")
        rows = []
        for code in indicators.DEFINITIONS:
            if request.POST.get(f"w_{code}"):
                rows.append({"code": code, "weight": request.POST.get(f"w_{code}"), "floor": request.POST.get(f"f_{code}"),
                             "target": request.POST.get(f"t_{code}")})
        try:
            when = datetime.date.fromisoformat(request.POST.get("effective_from") or "")
        except ValueError:
            messages.error(request, _("Effective from: enter a date (YYYY-MM-DD)."))
            return redirect(request.path + f"?subject={subject}")
        try:
            rule = services.publish_rule(scope, subject, rows, when, request.POST.get("note", ""))
            messages.success(request, _("Version %(v)d published, effective from %(d)s.") % {"v": rule.version, "d": rule.effective_from})
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
        return redirect(request.path + f"?subject={subject}")
    kind = request.GET.get("subject") or Subject.COMMUNITY
    definitions = [d for d in indicators.DEFINITIONS.values() if kind in d.subjects]
    rule_list = list(queries.rules(kind))
    for rule in rule_list:
        rule.lines = [(d.label if d else i.code, i, d.unit if d else "")
                      for i, d in ((i, indicators.DEFINITIONS.get(i.code)) for i in rule.indicators.all())]
    return render(request, "evaluation/rules.html", {"rules": rule_list, "kind": kind, "subjects": Subject.choices,
                                                     "definitions": definitions, "may_edit": services.may_edit_rules(scope)})


@login_required
def survey(request, pk):
    scope = for_request(request)
    s = get_object_or_404(queries.surveys(scope), pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("close"):
                services.close_survey(scope, s)
                messages.success(request, _("Results published."))
            else:
                scores = {item.pk: request.POST.get(f"item_{item.pk}") for item in s.items.all()}
                services.answer_survey(scope, s, scores)
                messages.success(request, _("Thank you: your household's answer is recorded."))
        except (ValidationError, PermissionDenied) as exc:
            _fail(request, exc)
        return redirect("evaluation:survey", pk=s.pk)
    return render(request, "evaluation/survey.html", {"survey": s, "result": queries.survey_results(scope, s), "levels": SurveyAnswer.Level.choices,
                                                      "staff": services.may_run_survey(scope, s.compound)})


@login_required
def surveys(request):
    scope = for_request(request)
    page = Paginator(queries.surveys(scope), LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "evaluation/surveys.html", {"surveys": page.object_list, "page_obj": page})

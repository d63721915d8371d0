"""民评 and closing: the reporters rate; unsatisfied reopens the case (rework), content closes it with its closing
report; a case nobody rates in time closes by the community's rule (sweep)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import OutOfScope, StateConflict
from linli.people.scopes import Scope

from ..models import Case, CaseSettings, Rating
from .base import Action, Conflict, State, _deadlines, _event, _handlers, _notify, _reporters, _settings_for, _transition


def may_rate(account, case: Case) -> bool:
    return any(a.pk == getattr(account, "pk", None) for a in _reporters(case))


@transaction.atomic
def rate(scope: Scope, case: Case, verdict: str, comment: str = "") -> Case:
    """民评: a reporter rates; unsatisfied reopens (rework); when every reporter is content the case closes."""
    if verdict not in (Case.Verdict.SATISFIED, Case.Verdict.BASIC, Case.Verdict.UNSATISFIED):
        raise ValidationError({"verdict": _("Verdict: satisfied, basically satisfied or unsatisfied.")})
    if not may_rate(scope.account, case):
        raise OutOfScope(_("Only the people who reported case %(n)s rate it.") % {"n": case.number})
    if case.state != State.RESOLVED:
        raise StateConflict({"verdict": _("Verdict: the case is not waiting for a verdict.")})
    if verdict == Case.Verdict.UNSATISFIED and not (comment or "").strip():
        raise ValidationError({"comment": _("Comment: tell us what is still wrong.")})
    try:
        with transaction.atomic():
            Rating.objects.create(case=case, account=scope.account, round=case.rework_count, verdict=verdict, comment=comment)
    except IntegrityError:
        raise Conflict(_("You have already rated this round."))
    now = timezone.now()
    if verdict == Case.Verdict.UNSATISFIED:
        handling_due = _deadlines(case.category, now)[1]
        _transition(case, [State.RESOLVED], state=State.ACCEPTED, rework_count=case.rework_count + 1, verdict=verdict,
                    verdict_comment=comment, resolved_at=None, rating_due=None, handling_due=handling_due)
        event = _event(case, scope, Action.REOPEN, from_state=State.RESOLVED, note=comment, data={"verdict": verdict})
        _notify(case, event, _handlers(case), _("Case %(n)s reopened: the resident is not satisfied") % {"n": case.number})
        return case
    _event(case, scope, Action.RATE, from_state=State.RESOLVED, note=comment, data={"verdict": verdict})
    rated = set(Rating.objects.filter(case=case, round=case.rework_count).values_list("account_id", flat=True))
    if all(a.pk in rated for a in _reporters(case)):
        worst = Case.Verdict.BASIC if Rating.objects.filter(case=case, round=case.rework_count, verdict=Case.Verdict.BASIC).exists() else Case.Verdict.SATISFIED
        _close(case, scope.account, worst, comment)
    return case


def _close(case: Case, actor, verdict: str, comment: str = "", note: str = "") -> Case:
    from ..report import build_closing_report

    _transition(case, [State.RESOLVED], state=State.CLOSED, closed_at=timezone.now(), verdict=verdict, verdict_comment=comment)
    event = _event(case, actor, Action.CLOSE, from_state=State.RESOLVED, note=note, data={"verdict": verdict})
    build_closing_report(case)
    _notify(case, event, _handlers(case) + _reporters(case), _("Case %(n)s closed") % {"n": case.number})
    for child in case.merged_cases.all():
        Case.objects.filter(pk=child.pk).update(closed_at=case.closed_at, verdict=verdict)
    return case



def close_unrated(case_id: int, now) -> bool:
    with transaction.atomic():
        case = Case.objects.filter(pk=case_id, state=State.RESOLVED, rating_due__lte=now).first()
        if case is None:
            return False
        rule = _settings_for(case.community_id).no_verdict
        verdict = Case.Verdict.SATISFIED if rule == CaseSettings.NoVerdict.SATISFIED else Case.Verdict.DEFAULT
        try:
            _close(case, None, verdict, note=_("No verdict within the time allowed."))
        except Conflict:
            return False
        return True

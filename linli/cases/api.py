"""JSON API for cases: list, detail with timeline, report, and the handling steps.

Who sees a case: whoever may read the residents of its area (scope), its reporter,
its assignee and the contacts of the organisation it is assigned to. Anyone else gets
the same 404 as for a missing id. A visible case the caller may not act on answers 403;
a case someone else changed first answers 409; bad input answers 422 naming the field.

The source of a new report follows the caller's role: community/subdistrict staff enter
hotline calls, a grid worker reports from patrol, a building or entrance leader reports
for a neighbour, everyone else reports as a resident. A caller may name another source
they hold (e.g. a grid worker reporting their own home as a resident).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from linli.core.api_errors import Paginated, ReferenceNotFound, created
from linli.core.memo import Memo, copy_instance
from linli.core.api_replies import reply
from linli.core.prepared import Prepared
from linli.core.api_limits import ListOf
from linli.core import roles
from linli.people.scopes import Scope, for_request
from linli.places.models import Dwelling

from . import services
from .models import Case, CaseEvent
from .schemas import ActionIn, CaseDetail, CaseIn, CaseOut, EscalateIn, NoteIn, RateIn, ResolveIn

router = Router(tags=["cases"])

STAFF = (roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY, roles.SUBDISTRICT_STAFF)
LEADERS = (roles.BUILDING_LEADER, roles.ENTRANCE_LEADER)


# ---------------------------------------------------------------------------- visibility
def visible_q(scope: Scope) -> Q | None:
    """Cases the caller may read; None means every case."""
    q = scope.q(Case)
    if q is None:
        return None
    account = scope.account
    q |= Q(reporter=account) | Q(assignee=account)
    if getattr(account, "person_id", None):
        q |= Q(reporter_person_id=account.person_id)
    orgs = {a.organization_id for a in scope.appointments
            if a.role in (roles.DEPARTMENT_CONTACT, roles.PROPERTY_MANAGER) and a.organization_id}
    if orgs:
        q |= Q(assignee_org_id__in=sorted(orgs))
    return q


def visible(scope: Scope):
    qs = Case.objects.select_related("category", "grid")
    q = visible_q(scope)
    return qs if q is None else qs.filter(q)


def _is_reporter_only(scope: Scope, case: Case) -> bool:
    """The caller sees this case only because they reported it (public timeline rows only)."""
    if scope.everything or services.may_handle(scope, case):
        return False
    in_scope = scope.q(Case)
    return not (in_scope is None or Case.objects.filter(in_scope, pk=case.pk).exists())


def _case(scope: Scope, case_id: int) -> Case:
    case = visible(scope).select_related("assignee__person", "assignee_org", "parent", "building").filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def _detail(scope: Scope, case_id: int) -> Case:
    case = _case(scope, case_id)
    account = scope.account
    case.mine = bool(account.pk and (case.reporter_id == account.pk or (account.person_id and case.reporter_person_id == account.person_id)))
    events = CaseEvent.objects.filter(case=case).select_related("actor__person")
    if _is_reporter_only(scope, case):
        events = events.filter(public=True)
    case.timeline = list(events)
    return case


def _act(fn, *args, **kwargs):
    """Run a service step: Conflict becomes 409 (the others go to the API's handlers)."""
    try:
        return fn(*args, **kwargs)
    except services.Conflict as exc:
        raise HttpError(409, str(exc))


def _at_version(case: Case, version: int | None) -> Case:
    if version is not None:
        if version != case.version:
            raise HttpError(409, _("Case %(number)s was changed by someone else (now: %(state)s). Reload and try again.")
                            % {"number": case.number, "state": case.get_state_display()})
    return case


# ---------------------------------------------------------------------------- reads
class CaseQuery(Schema):
    state: ListOf(Case.State.values) = ""  # comma-separated
    category: str = ""
    grid: int | None = None
    q: str = ""
    mine: bool = False


@router.get("", response=list[CaseOut], summary="Cases the caller may see (their area, their own reports, cases assigned to them)")
@paginate(Paginated)
def list_cases(request, filters: Query[CaseQuery]):
    scope = for_request(request)
    qs = visible(scope)
    if filters.state:
        states = [s.strip() for s in filters.state.split(",") if s.strip()]
        bad = [s for s in states if s not in Case.State.values]
        if bad:
            raise ValidationError({"state": _("State: must be one of %(v)s") % {"v": ", ".join(Case.State.values)}}, code="choice")
        qs = qs.filter(state__in=states)
    if filters.category:
        qs = qs.filter(Q(category__code=filters.category) | Q(category__parent__code=filters.category))
    if filters.grid is not None:
        qs = qs.filter(Q(grid_id=filters.grid) | Q(micro_grid_id=filters.grid))
    if filters.q.strip():
        term = filters.q.strip()
        qs = qs.filter(Q(number__icontains=term) | Q(title__icontains=term) | Q(description__icontains=term))
    if filters.mine:
        account = request.user
        qs = qs.filter(Q(reporter=account) | Q(reporter_person_id=account.person_id or -1))
    return qs.order_by("-created_at", "-id")


@router.get("/{int:case_id}", response=CaseDetail, summary="One case with its timeline (a reporter sees the public rows)")
def get_case(request, case_id: int):
    scope = for_request(request)
    return _detail(scope, case_id)


# ---------------------------------------------------------------------------- intake
API_SOURCES = (Case.Source.RESIDENT, Case.Source.PATROL, Case.Source.BUILDING_LEADER, Case.Source.HOTLINE)


def _source_for(scope: Scope, wanted: str) -> str:
    held = set()
    if scope.everything or scope.has_role(*STAFF):
        held.add(Case.Source.HOTLINE)
    if scope.has_role(roles.GRID_WORKER):
        held.add(Case.Source.PATROL)
    if scope.has_role(*LEADERS):
        held.add(Case.Source.BUILDING_LEADER)
    if getattr(scope.account, "person_id", None):
        held.add(Case.Source.RESIDENT)
    if wanted:
        if wanted not in API_SOURCES:
            raise ValidationError({"source": _("Source: unknown source %(s)s.") % {"s": wanted}}, code="choice")
        if wanted not in held:  # a source the caller's roles do not give: who they are, not what they sent (403)
            raise PermissionDenied(_("Source: you cannot report as %(s)s.") % {"s": wanted})
        return wanted
    for source in (Case.Source.HOTLINE, Case.Source.PATROL, Case.Source.BUILDING_LEADER, Case.Source.RESIDENT):
        if source in held:
            return source
    raise PermissionDenied(_("Source: this account cannot report cases."))


# (scope, dwelling id) → the dwelling with its building if the scope sees it; the same generations as the scope's
_dwellings = Memo("api-dwellings", ["auth", "posts", "people", "places", "orgs"], maxsize=16384)


# a dwelling of the caller's own household (what every resident living here may read): SQL compiled once
_own_dwelling = Prepared(lambda pk, household: Dwelling.objects.select_related("building").filter(pk=pk, households__id=household),
                         "pk", "household")


def _dwelling(scope: Scope, pk: int) -> Dwelling:
    def lookup():
        for household in scope.areas.get(("own", roles.PEOPLE), {}).get("household", ()):  # a resident's own home
            own = _own_dwelling.first(pk=pk, household=household)
            if own is not None:
                return own
        return scope.filter(Dwelling.objects.select_related("building")).filter(pk=pk).first()

    dwelling = _dwellings.get((scope.cache_key, pk), lookup) if scope.cache_key else lookup()
    if dwelling is None:
        raise ReferenceNotFound("dwelling")
    return copy_instance(dwelling)


@router.post("", response={201: CaseDetail}, summary="Report a case (source from the caller's role)")
def report(request, payload: CaseIn):
    scope = for_request(request)
    source = _source_for(scope, payload.source)
    dwelling = None
    if payload.dwelling is not None:
        dwelling = _dwelling(scope, payload.dwelling)
    case = _act(services.submit, scope, source=source, description=payload.description, title=payload.title,
                category=payload.category or None, dwelling=dwelling, lat=payload.lat, lng=payload.lng,
                address=payload.address, reporter_name=payload.reporter_name if source != Case.Source.RESIDENT else "",
                reporter_phone=payload.reporter_phone if source != Case.Source.RESIDENT else "")
    return reply(CaseDetail, _written(scope, case), 201)  # CaseDetail's shape, built without a pydantic round (core.api_replies)


def _written(scope: Scope, case: Case) -> Case:
    """The 201 reply of a new case, from the objects submit holds (no second read): every intake row is public, so a
    reporter-only reader sees the same timeline."""
    account = scope.account
    case.mine = bool(account.pk and (case.reporter_id == account.pk or (account.person_id and case.reporter_person_id == account.person_id)))
    case.timeline = list(case.intake_events)
    for name in ("response_due", "handling_due"):  # as a read gives them back (UTC), not as computed (local time)
        value = getattr(case, name)
        if value is not None:
            setattr(case, name, value.astimezone(datetime.timezone.utc))
    return case


# ---------------------------------------------------------------------------- handling
@router.post("/{int:case_id}/accept", response=CaseDetail, summary="Accept the case (the first to accept holds it)")
def accept(request, case_id: int, payload: ActionIn):
    scope = for_request(request)
    case = _at_version(_case(scope, case_id), payload.version)
    _act(services.accept, scope, case, note=payload.note)
    return _detail(scope, case_id)


@router.post("/{int:case_id}/resolve", response=CaseDetail, summary="Resolve with a result; the reporter is asked to rate")
def resolve(request, case_id: int, payload: ResolveIn):
    scope = for_request(request)
    case = _at_version(_case(scope, case_id), payload.version)
    _act(services.resolve, scope, case, payload.result)
    return _detail(scope, case_id)


@router.post("/{int:case_id}/rate", response=CaseDetail, summary="The reporter's verdict: unsatisfied reopens the case")
def rate(request, case_id: int, payload: RateIn):
    scope = for_request(request)
    case = _case(scope, case_id)
    _act(services.rate, scope, case, payload.verdict, payload.comment)
    return _detail(scope, case_id)


@router.post("/{int:case_id}/escalate", response=CaseDetail, summary="Send the case one tier up (or, dispatcher, to a department)")
def escalate(request, case_id: int, payload: EscalateIn):
    scope = for_request(request)
    case = _at_version(_case(scope, case_id), payload.version)
    _act(services.escalate, scope, case, payload.note, to_tier=payload.to_tier or None)
    return _detail(scope, case_id)


@router.post("/{int:case_id}/notes", response={201: CaseDetail}, summary="Add a note to the timeline")
def add_note(request, case_id: int, payload: NoteIn):
    scope = for_request(request)
    case = _at_version(_case(scope, case_id), payload.version)
    _act(services.add_note, scope, case, payload.note, public=payload.public)
    return created(_detail(scope, case_id))

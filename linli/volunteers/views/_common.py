"""Helpers the volunteer pages share: a service call whose refusal becomes a message, the community a page is
about, staff checks, the caller's volunteer record, dates from forms."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from linli.people.scopes import for_request
from linli.places.models import Community

from .. import queries, services
from ..models import Volunteer


def _errors(request, exc: ValidationError) -> None:
    for msgs in (exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]):
        for m in msgs:
            messages.error(request, m)


def _run(request, call, ok: str = ""):
    """Call a service; a refusal becomes an error message. Returns the result or None."""
    try:
        result = call()
    except ValidationError as exc:
        _errors(request, exc)
        return None
    if ok:
        messages.success(request, ok)
    return result


def _person(request):
    return getattr(request.user, "person", None)


def _community(request):
    """The community a page is about: where the user works as staff, else where they live."""
    scope = for_request(request)
    wanted = request.GET.get("community") or request.POST.get("community")
    if wanted and str(wanted).isdigit():
        c = Community.objects.filter(pk=int(wanted)).first()
        if c and (services.is_staff(scope, c) or getattr(_person(request), "community_id", None) == c.pk):
            return c
    for cid in sorted(scope.community_ids):
        c = Community.objects.filter(pk=cid).first()
        if c and services.is_staff(scope, c):
            return c
    person = _person(request)
    if person and person.community_id:
        return person.community
    if scope.everything:
        return Community.objects.order_by("pk").first()
    return None


def _staff_or_403(request, community):
    if not services.is_staff(for_request(request), community):
        raise PermissionDenied(_("Only the community's staff may do this."))


def _community_staff_or_403(request, community):
    if not services.is_community_staff(for_request(request), community):
        raise PermissionDenied(_("Only the community's staff may do this."))


def _my_volunteer(request, community):
    person = _person(request)
    if person is None or community is None:
        return None
    return Volunteer.objects.filter(person=person, community=community).first()


def _dt(value):
    if not value:
        return None
    dt = parse_datetime(value)
    if dt is not None and timezone.is_naive(dt):
        dt = timezone.make_aware(dt)
    return dt


def _postings_page(request, account) -> dict:
    """One page of an account's postings, newest first, for the points pages (the PDF holds them all)."""
    if account is None:
        return {"postings": []}
    page = Paginator(queries.postings_of(account), queries.POSTINGS_PAGE).get_page(request.GET.get("page"))
    return {"postings": page.object_list, "page_obj": page}

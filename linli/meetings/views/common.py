"""What the council-hall pages share: the steps of a matter, parsing of dates and fractions, who may own an action,
the caller's community."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from linli.people.models import Organization
from linli.places.models import Community

from .. import queries, services

STEPS = [("raise", gettext_lazy("Raise")), ("deliberate", gettext_lazy("Deliberate")), ("decide", gettext_lazy("Decide")),
         ("do", gettext_lazy("Do")), ("evaluate", gettext_lazy("Evaluate"))]
EVENT_LABELS = {
    "raised": gettext_lazy("Raised"), "on_agenda": gettext_lazy("Reached the support threshold: on the agenda"),
    "deliberating": gettext_lazy("Discussion opened"), "moderation": gettext_lazy("A reply was hidden by the moderator"),
    "option": gettext_lazy("Option added"), "vote_opened": gettext_lazy("Vote opened"), "decided": gettext_lazy("Decided by the vote"),
    "rejected": gettext_lazy("Rejected by the vote"), "vote_failed": gettext_lazy("The vote reached no decision"),
    "in_progress": gettext_lazy("Actions planned"), "actions_added": gettext_lazy("Actions added"), "done": gettext_lazy("Done"),
    "evaluated": gettext_lazy("Evaluated by residents"),
}
STEP_OF = {"raised": 0, "on_agenda": 1, "deliberating": 1, "voting": 2, "decided": 3, "rejected": 2, "in_progress": 3, "done": 4, "evaluated": 4}


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _dt(value: str):
    value = (value or "").strip()
    if not value:
        return None
    try:
        d = datetime.datetime.fromisoformat(value)
    except ValueError:
        return "bad"
    return timezone.make_aware(d) if timezone.is_naive(d) else d


def _date(value: str):
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _frac(value: str, default):
    try:
        n, d = (value or "").split("/")
        return int(n), int(d)
    except ValueError:
        return default


def _owner_orgs(community_id: int) -> list:
    """Who can own an action: the community's organisations (not the party groups below the committee) and the
    subdistrict's departments."""
    community = Community.objects.get(pk=community_id)
    return list(Organization.objects.filter(active=True).filter(Q(community_id=community_id) | Q(subdistrict_id=community.subdistrict_id,
                                                                                                 kind=Organization.Kind.DEPARTMENT))
                .exclude(kind=Organization.Kind.PARTY, party_level__in=["compound_branch", "grid_group", "member_household"]))


def _my_community(scope):
    ids = queries.staff_communities(scope)
    if ids:
        return Community.objects.get(pk=ids[0])
    person = services.person_of(scope)
    return person.community if person is not None and person.community_id else None

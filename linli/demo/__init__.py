"""The demo subdistrict: 平城区 永泰街道, whose main community mirrors 柳航里社区 (seed 000).

    import linli.demo
    linli.demo.exists()              # is it there already? (the marker: the demo subdistrict's code)
    linli.demo.build(verbosity=1)    # create it once; later calls change nothing
    linli.demo.counts()              # the figures as they stand in the database
    linli.demo.HEADLINE              # the figures seed 000 gives, which counts() must match
    linli.demo.accounts_by_role()    # one sign-in per role, all with linli.demo.PASSWORD

Deterministic: one random.Random(SEED) and a fixed "today" (builder.TODAY), so two builds
of an empty database give the same people, places and accounts.
"""

from .builder import HEADLINE, MAIN, PASSWORD, SEED, SUBDISTRICT  # noqa: F401

DEFAULT_RESIDENTS = 3200
# the account shown for a role: the first whose username starts so (e.g. leader01 for building leaders)
USERNAME_PREFIX = {
    "building_leader": "leader", "entrance_leader": "entrance", "grid_worker": "grid", "party_group_leader": "party",
    "party_liaison_household": "leader", "community_secretary": "secretary", "community_staff": "staff",
    "subdistrict_staff": "subdistrict", "department_contact": "police", "property_manager": "property",
    "volunteer_team_lead": "volunteer",
}


def exists() -> bool:
    from linli.places.models import Community, Subdistrict

    return Subdistrict.objects.filter(code=SUBDISTRICT[0]).exists() and Community.objects.filter(code=MAIN[0]).exists()


def build(verbosity: int = 1, residents: int = DEFAULT_RESIDENTS) -> dict:
    """Create the demo unless it exists. Returns counts() plus 'created' and 'seconds'."""
    from . import builder

    if exists():
        result = counts()
        result.update(created=False, seconds=0.0)
        return result
    if verbosity:
        print("Building the demo subdistrict (永泰街道, 柳航里社区) …", flush=True)
    timing = builder.build(verbosity=verbosity, residents=residents)
    from . import inbox

    inbox.settle()  # the inboxes as after a real week, not every event the build made (linli/demo/inbox.py)
    result = counts()
    result.update(created=True, seconds=timing["seconds"])
    return result


def counts() -> dict:
    """Headline figures of the main community (and a few of the whole demo) from the database."""
    from linli.core import roles
    from linli.people.models import Account, Appointment, Household, Organization, Person
    from linli.places.models import Building, Community, Compound, Dwelling, Entrance, Grid, Venue

    c = Community.objects.filter(code=MAIN[0]).first()
    if c is None:
        return {}
    top = Grid.objects.filter(community=c, parent__isnull=True)
    party = Organization.objects.filter(community=c, kind=Organization.Kind.PARTY)
    # the residents living in the community's dwellings, counted as the home pages count them (staff living there included)
    people = Person.objects.filter(dwelling__building__community=c, status=Person.Status.LIVING_HERE)
    return {
        "grids": top.count(),
        "dedicated_grids": top.filter(kind=Grid.Kind.DEDICATED).count(),
        "residential_grids": top.filter(kind=Grid.Kind.RESIDENTIAL).count(),
        "micro_grids": Grid.objects.filter(community=c, kind=Grid.Kind.MICRO).count(),
        "compounds": Compound.objects.filter(community=c).count(),
        "buildings": Building.objects.filter(community=c).count(),
        "entrances": Entrance.objects.filter(building__community=c).count(),
        "dwellings": Dwelling.objects.filter(building__community=c).count(),
        "institutions": Venue.objects.filter(community=c, kind=Venue.Kind.INSTITUTION).count(),
        "shops": Venue.objects.filter(community=c, kind__in=[Venue.Kind.SHOP, Venue.Kind.NINE_SMALL]).count(),
        "nine_small_categories": Venue.objects.filter(community=c, kind=Venue.Kind.NINE_SMALL).values("nine_small").distinct().count(),
        "building_leaders": Appointment.objects.filter(role=roles.BUILDING_LEADER, building__community=c).count(),
        "party_levels": party.values("party_level").distinct().count(),
        "party_organisations": party.count(),
        "residents": people.count(),
        "households": Household.objects.filter(dwelling__building__community=c, closed_on__isnull=True).count(),
        "communities_in_subdistrict": Community.objects.filter(subdistrict=c.subdistrict).count(),
        "accounts": Account.objects.count(),
    }


def accounts_by_role() -> list[tuple[str, str, str, str]]:
    """(role label, username, person name, where) — one demo account per role, plus the administrator."""
    from django.db.models import Q
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from linli.core import roles
    from linli.people.models import Account, Appointment

    today = timezone.localdate()
    rows = []
    for role, label in roles.ROLE_CHOICES:
        if role == roles.RESIDENT:
            acct = Account.objects.filter(username="resident").select_related("person").first()
            if acct:
                where = str(acct.person.dwelling) if acct.person and acct.person.dwelling_id else ""
                rows.append((str(label), acct.username, acct.person.name if acct.person else "", where))
            continue
        appts = list(Appointment.objects.filter(role=role, person__account__isnull=False)
                     .filter(Q(home_community__code=MAIN[0]) | Q(home_community__isnull=True))
                     .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
                     .select_related("person__account").order_by("id"))
        if not appts:
            continue
        prefix = USERNAME_PREFIX.get(role, role)
        appt = min(appts, key=lambda a: (not a.person.account.username.startswith(prefix), a.pk))
        rows.append((str(label), appt.person.account.username, appt.person.name, f"{appt.scope_object} {appt.title}".strip()))
    admin = Account.objects.filter(username="admin", is_superuser=True).first()
    if admin:
        rows.append((_("Administrator"), admin.username, "", "/admin/"))
    return rows

"""The home of each role and sign-in.

Views are thin: the scope comes from linli.people.scopes.for_request, reads from the scoped
query modules."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from linli.cases import queries as case_queries
from linli.cases import rates
from linli.core import roles
from linli.people import queries as pq
from linli.people.models import Appointment
from linli.people.scopes import for_request, may_audit, reads
from linli.places import queries as plq
from linli.portal import workbench
from linli.portal.forms import SignInForm

PAGE_SIZE = 25


class SignInView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


# ---------------------------------------------------------------------------- homes
def _tag_rows(counts: dict) -> list[tuple[str, str, int]]:
    labels = pq.tag_labels()
    return [(code, labels[code], counts.get(code, 0)) for code in labels if counts.get(code)]


def _appointed(scope, *role_names) -> list[Appointment]:
    return [a for a in scope.appointments if a.role in role_names]


def _resident_section(request, scope):
    person = request.user.person
    if not person or not person.household_id:
        return None
    household = pq.household(scope, person.household_id)
    return {"household": household, "members": pq.household_members(household, include_past=False), "person": person}


def _leader_section(scope):
    appts = _appointed(scope, roles.BUILDING_LEADER, roles.ENTRANCE_LEADER, roles.PARTY_LIAISON)
    if not appts:
        return None
    ids = set()
    for a in appts:
        ids.add(a.building_id or a.entrance.building_id)
    buildings = list(plq.buildings(scope).filter(pk__in=ids))
    counts = pq.resident_counts(scope, "building")
    for b in buildings:
        b.n_residents = counts.get(b.pk, 0)
    return {"appointments": appts, "buildings": buildings}


def _grid_section(scope):
    appts = _appointed(scope, roles.GRID_WORKER, roles.PARTY_GROUP_LEADER)
    grid_ids = [a.grid_id for a in appts if a.grid_id]
    if not grid_ids:
        return None
    rows = []
    for g in plq.grids(scope).filter(pk__in=grid_ids):
        f = pq.PersonFilter(grid=g.pk)
        rows.append({
            "grid": g,
            "summary": pq.grid_summary(g),
            "tags": _tag_rows(pq.tag_counts(scope, f)) if reads(scope, roles.PEOPLE) else [],
            "buildings": plq.buildings(scope, grid=g.pk),
            "venues": plq.venues(scope, grid=g.pk)[:10],
            "venue_count": plq.venues(scope, grid=g.pk).count(),
        })
    return {"grids": rows, "appointments": appts}


def _community_section(scope):
    appts = _appointed(scope, roles.COMMUNITY_SECRETARY, roles.COMMUNITY_STAFF)
    community_ids = {a.community_id for a in appts if a.community_id}
    if scope.everything:
        return None
    if not community_ids:
        return None
    out = []
    labels = pq.tag_labels()
    for c in plq.communities(scope).filter(pk__in=community_ids):
        f = pq.PersonFilter(community=c.pk)
        grids = list(plq.grids(scope, community=c.pk).filter(parent__isnull=True))
        residents = pq.resident_counts(scope, "grid", f)
        by_grid_tags = pq.tag_counts(scope, f, by="grid")
        buildings = plq.building_counts(scope, "grid")
        venues = plq.venue_counts(scope, "grid")
        totals = pq.tag_counts(scope, f)
        tag_codes = [code for code in labels if totals.get(code)]
        rows = [{
            "grid": g, "residents": residents.get(g.pk, 0), "buildings": buildings.get(g.pk, 0), "venues": venues.get(g.pk, 0),
            "tags": [by_grid_tags.get(g.pk, {}).get(code, 0) for code in tag_codes],
        } for g in grids]
        out.append({
            "community": c, "rows": rows, "tag_columns": [(code, labels[code]) for code in tag_codes],
            "tag_totals": [totals.get(code, 0) for code in tag_codes],
            "residents": sum(residents.values()), "households": pq.households(scope).filter(dwelling__building__community=c).count(),
            "buildings": sum(buildings.get(g.pk, 0) for g in grids), "venues": sum(venues.get(g.pk, 0) for g in grids),
        })
    return {"communities": out, "secretary": bool(_appointed(scope, roles.COMMUNITY_SECRETARY))}


def _subdistrict_section(scope):
    appts = _appointed(scope, roles.SUBDISTRICT_STAFF)
    if not appts and not scope.everything:
        return None
    qs = plq.communities(scope)
    if appts:
        qs = qs.filter(subdistrict_id__in=[a.subdistrict_id for a in appts])
    residents = pq.resident_counts(scope, "community")
    buildings = plq.building_counts(scope, "community")
    venues = plq.venue_counts(scope, "community")
    grid_counts = {}
    for g in plq.grids(scope).filter(parent__isnull=True).values("community_id"):
        grid_counts[g["community_id"]] = grid_counts.get(g["community_id"], 0) + 1
    rows = [{"community": c, "residents": residents.get(c.pk, 0), "buildings": buildings.get(c.pk, 0),
             "venues": venues.get(c.pk, 0), "grids": grid_counts.get(c.pk, 0)} for c in qs]
    return {"appointments": appts, "rows": rows}


def _places_section(scope):
    appts = _appointed(scope, roles.DEPARTMENT_CONTACT, roles.PROPERTY_MANAGER)
    if not appts:
        return None
    return {
        "appointments": appts,
        "compounds": plq.compounds(scope),
        "buildings": plq.buildings(scope)[:50],
        "building_count": plq.buildings(scope).count(),
        "venue_count": plq.venues(scope).count(),
        "grids": plq.grids(scope).filter(parent__isnull=True),
    }


def _rates_section(scope, now):
    """This month's rates of the communities the caller runs (community staff), from the timelines."""
    appts = _appointed(scope, roles.COMMUNITY_SECRETARY, roles.COMMUNITY_STAFF)
    community_ids = {a.community_id for a in appts if a.community_id}
    if not community_ids:
        return None
    local = timezone.localtime(now)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = rates.compute(case_queries.visible(scope).select_related(None).filter(community_id__in=community_ids), "community", start, now)
    return {"rows": rows, "start": start, "end": now}


@login_required
def home(request):
    scope = for_request(request)
    now = timezone.now()
    sections = {
        "resident": _resident_section(request, scope),
        "leader": _leader_section(scope),
        "grid": _grid_section(scope),
        "community": _community_section(scope),
        "subdistrict": _subdistrict_section(scope),
        "places": _places_section(scope),
    }
    work = workbench.collect(scope, now)
    workbench.task_counts(request, work)  # the navigation's counts from the same lists, not a second collect
    ctx = {
        "work": work,
        "rates": _rates_section(scope, now),
        "sections": sections,
        "empty": not any(sections.values()),
        "appointments": scope.appointments,
        "reads_people": reads(scope, roles.PEOPLE),
        "reads_places": reads(scope, roles.PLACES),
        "may_audit": may_audit(scope),
    }
    return render(request, "portal/home.html", ctx)

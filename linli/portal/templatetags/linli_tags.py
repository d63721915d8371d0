"""Small template helpers for the pages: navigation by scope, query strings for paging."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from linli.core import roles
from linli.people.scopes import for_request, may_audit, reads, writes

register = template.Library()



def _has_url(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def nav_items(request) -> list[dict]:
    """The menu a user sees follows from what their scope lets them read."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    scope = for_request(request)
    items = [("home", _("Home"))]
    if _has_url("cases:list"):  # the cases app's pages, where installed
        if scope.has_role(roles.GRID_WORKER):
            items.append(("cases:quick", _("Quick report")))
        elif scope.has_role(roles.RESIDENT):
            items.append(("cases:report", _("Report a problem")))
        items.append(("cases:list", _("Cases")))
        from linli.core.notify import inbox

        unread = inbox(user, unread_only=True).count()
        items.append(("cases:inbox", _("Messages") + (f" ({unread})" if unread else "")))
    # the other apps' home pages, where installed (each app's home page decides what this user sees there)
    if _has_url("patrols:home") and reads(scope, roles.PATROLS):
        items.append(("patrols:home", _("Grid work")))
    if _has_url("meetings:home"):
        items.append(("meetings:home", _("Council hall")))
    if _has_url("volunteers:home"):
        items.append(("volunteers:home", _("Volunteers")))
    if reads(scope, roles.PLACES):
        items.append(("places:map", _("Map")))
    if reads(scope, roles.PEOPLE):
        items += [("people:persons", _("Residents")), ("people:households", _("Households"))]
    if reads(scope, roles.PLACES):
        items += [("places:grids", _("Grids")), ("places:buildings", _("Buildings")), ("places:venues", _("Venues"))]
    if writes(scope, roles.PEOPLE) or writes(scope, roles.PLACES):
        items.append(("portal:import", _("Import")))
    if may_audit(scope):
        items.append(("portal:audit", _("Audit log")))
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
    out = []
    for name, label in items:
        url = reverse(name)
        active = current in (name, name[:-1], name + "_export") or (name == "portal:import" and current.startswith("portal:job")) \
            or (name == "cases:list" and current.startswith("cases:") and current not in ("cases:quick", "cases:report", "cases:inbox")) \
            or (name.endswith(":home") and name != "home" and current.startswith(name.split(":")[0] + ":"))
        out.append({"url": url, "label": label, "active": active})
    return out


@register.inclusion_tag("portal/_nav.html", takes_context=True)
def linli_nav(context):
    request = context.get("request")
    return {"items": nav_items(request), "request": request, "user": getattr(request, "user", None)}


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some parameters replaced (None or '' drops them)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def count_of(value):
    """A number for a count that may be stored as a number or as a list of items."""
    if value in (None, ""):
        return 0
    if isinstance(value, (list, tuple, dict)):
        return len(value)
    return value


@register.filter
def derived_tags(person):
    """[(code, label)] of the age tags a person has today (never stored)."""
    from linli.people.models import DERIVED_TAGS

    return [(code, DERIVED_TAGS[code]) for code in person.derived_tags()]


# The same palette as linli-map.js: a grid without a stored colour gets one by id (a micro-grid its parent's).
PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324", "#469990", "#800000"]


@register.filter
def grid_color(grid):
    if grid is None:
        return "#888"
    if getattr(grid, "color", ""):
        return grid.color
    key = grid.parent_id if getattr(grid, "parent_id", None) else grid.pk
    return PALETTE[(key or 0) % len(PALETTE)]

"""Small template helpers for the pages: navigation by scope, query strings for paging."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from linli.core import roles
from linli.people.scopes import for_request, may_audit, reads, writes

register = template.Library()


@register.simple_tag
def colon():
    """What follows a label before its value: ': ' in English, the full-width '：' (no space) in Chinese. Written
    after a translated label, `{% translate "Host" %}{% colon %}{{ name }}`, so the label keeps its one message."""
    return pgettext("label before its value", ": ")



def _has_url(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def nav_items(request) -> list[dict]:
    """The menu a user sees follows from what their scope lets them read. Each app's item carries the
    number of tasks waiting there: what the workbench lists, counted by each app's `workbench_counts` (COUNT
    queries, once per request; portal.workbench.task_counts), never by collecting the lists on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    from linli.portal.workbench import task_counts

    scope = for_request(request)
    counts = task_counts(request)
    person = getattr(user, "person", None)
    items = [("home", _("Workbench"), sum(counts.values()), ())]
    if _has_url("cases:list"):  # the cases app's pages, where installed
        if scope.has_role(roles.GRID_WORKER):
            items.append(("cases:quick", _("Quick report"), 0, ()))
        elif scope.has_role(roles.RESIDENT):
            items.append(("cases:report", _("Report a problem"), 0, ()))
        items.append(("cases:list", _("Cases"), counts.get("cases", 0), ()))
        from linli.core.notify import inbox

        items.append(("cases:inbox", _("Messages"), inbox(user, unread_only=True).count(), ()))
        if scope.has_role(roles.RESIDENT) and person is not None and person.community_id:
            items.append(("cases:board", _("Public board"), 0, (person.community_id,)))
    # the other apps' home pages, where installed (each app's home page decides what this user sees there)
    if _has_url("patrols:home") and reads(scope, roles.PATROLS):
        items.append(("patrols:home", _("Grid work"), counts.get("patrols", 0), ()))
    if _has_url("meetings:home"):
        items.append(("meetings:home", _("Council hall"), counts.get("meetings", 0), ()))
    if _has_url("volunteers:home"):
        items.append(("volunteers:home", _("Volunteers"), counts.get("volunteers", 0), ()))
    if _has_url("life:groupbuy") and (reads(scope, roles.LIFE) or (scope.has_role(roles.RESIDENT) and getattr(person, "community_id", None))):
        items.append(("life:groupbuy", _("Life services"), counts.get("life", 0), ()))  # group-buys, rooms, the tool library
    if _has_url("care:home") and _works_care(scope):
        items.append(("care:home", _("Elderly care"), counts.get("care", 0), ()))
    if _has_url("dashboard:home") and _reads_figures(scope):
        items.append(("dashboard:home", _("Cockpit"), 0, ()))
    if reads(scope, roles.PLACES):
        items.append(("places:map", _("Map"), 0, ()))
    if reads(scope, roles.PEOPLE):
        items += [("people:persons", _("Residents"), 0, ()), ("people:households", _("Households"), 0, ())]
    if reads(scope, roles.PLACES):
        items += [("places:grids", _("Grids"), 0, ()), ("places:buildings", _("Buildings"), 0, ()), ("places:venues", _("Venues"), 0, ())]
    if writes(scope, roles.PEOPLE) or writes(scope, roles.PLACES):
        items.append(("portal:import", _("Import"), 0, ()))
    if may_audit(scope):
        items.append(("portal:audit", _("Audit log"), 0, ()))
    if user.is_superuser:
        items.append(("portal:status", _("System status"), 0, ()))
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
    out = []
    for name, label, count, args in items:
        url = reverse(name, args=args)
        active = current in (name, name[:-1], name + "_export") or (name == "portal:import" and current.startswith("portal:job")) \
            or (name == "cases:list" and current.startswith("cases:") and current not in ("cases:quick", "cases:report", "cases:inbox", "cases:board")) \
            or (name.endswith(":home") and name != "home" and current.startswith(name.split(":")[0] + ":")) \
            or current.startswith(SECTIONS.get(name, ()))
        out.append({"url": url, "label": label, "count": count, "active": active, "name": name,
                    "register": name.startswith(("people:", "portal:")) or name in REGISTER_PAGES})
    return out


def _works_care(scope) -> bool:
    """The care pages are for who works a station's desk (its operators, community staff) and for the staff who file
    assistance applications; a reader of care visits without a station (a building leader) has nothing there."""
    if scope.has_role(*roles.STAFF_ROLES) or scope.everything:
        return True
    from linli.care import queries as care

    return care.works_a_desk(scope)


def _reads_figures(scope) -> bool:
    from linli.evaluation import queries as evaluation

    return not scope.is_anonymous and evaluation.may_read(scope)


# menu entries whose section spans other pages than their app's home (view-name prefixes)
SECTIONS = {"life:groupbuy": ("life:",), "dashboard:home": ("dashboard:", "evaluation:")}

# pages of the registers and the back office: grouped under one menu entry on wide screens
REGISTER_PAGES = ("places:grids", "places:buildings", "places:venues")


@register.inclusion_tag("portal/_nav.html", takes_context=True)
def linli_nav(context):
    request = context.get("request")
    items = nav_items(request)
    return {"items": items, "primary": [i for i in items if not i["register"]], "registers": [i for i in items if i["register"]],
            "register_active": any(i["active"] for i in items if i["register"]),
            "request": request, "user": getattr(request, "user", None),
            "current": next((i for i in items if i["active"]), None), "total": items[0]["count"] if items else 0}


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


@register.simple_tag
def due_label(due, now):
    """When a deadline falls, said the way a worker reads it: 逾期 2 天 / 还剩 3 小时 / 12月5日 17:30."""
    from django.utils import timezone
    from django.utils.translation import gettext as _, ngettext

    if due is None:
        return ""
    delta = due - now
    seconds = delta.total_seconds()
    if seconds < 0:
        hours = int(-seconds // 3600)
        if hours < 24:
            return ngettext("overdue by %(n)d hour", "overdue by %(n)d hours", max(hours, 1)) % {"n": max(hours, 1)}
        days = hours // 24
        return ngettext("overdue by %(n)d day", "overdue by %(n)d days", days) % {"n": days}
    if seconds < 24 * 3600:
        hours = int(seconds // 3600)
        return ngettext("%(n)d hour left", "%(n)d hours left", max(hours, 1)) % {"n": max(hours, 1)} if hours else _("due within the hour")
    local = timezone.localtime(due)
    return local.strftime("%m-%d %H:%M")


@register.filter
def percent(value):
    """0.8333 → 83.3%; None (nothing to divide by) → —."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def measure(value, unit):
    """An indicator's value, floor or target in its unit: a rate as a percentage (0.95 → 95.0%), a count as a number
    without trailing zeros (3.0 → 3, 2.5 → 2.5); None → —."""
    if value is None or value == "":
        return "—"
    if unit == "rate":
        return percent(value)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


@register.filter
def scrub(text):
    """Free text on a public page: phones, ID numbers, bank cards and e-mails masked (linli.core.scrub)."""
    from linli.core.scrub import scrub as _scrub

    return _scrub(text)

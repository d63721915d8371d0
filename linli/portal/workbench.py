"""The workbench: what a person must do now, ordered by deadline, then what they watch.

Every domain app answers for its own work through one read in its `queries`:

    workbench(scope, now) -> list[WorkItem]

scope-filtered, a fixed number of queries whatever the number of rows (no query per row). The
portal merges the lists: tasks (something this person must do) first, overdue ones first, then by
deadline, those without a deadline last; then what they watch.

The navigation shows, on every page, how many tasks wait in each app (待办 7). Collecting the whole workbench for
that cost 20–30 queries and ~30–50 ms a page, so each app also answers

    workbench_counts(scope, now) -> int

the number of TASK items its `workbench` returns, counted in the database (COUNT queries, no rows, no watch
lists); `linli/portal/tests/test_nav_counts.py` holds every role's counts equal to the lists'. The home page, which
collects the lists anyway, counts them instead (`task_counts(request, work)`). Either way once per request.
"""

import datetime

from django.utils import timezone

from linli.core.work import TASK, WATCH, WorkItem  # noqa: F401  (the items every app's workbench read returns)


def _apps():
    """Each installed app's queries module with a workbench (imported here, above them all, so the apps stay unaware
    of the portal)."""
    from linli.cases import queries as cases
    from linli.meetings import queries as meetings
    from linli.patrols import queries as patrols
    from linli.volunteers import queries as volunteers
    from linli.life import queries as life
    from linli.care import queries as care

    return [m for m in (cases, patrols, meetings, volunteers, life, care) if hasattr(m, "workbench")]


def _providers():
    """Each installed app's workbench read."""
    return [m.workbench for m in _apps()]


def counts(scope, now=None) -> dict:
    """{app: number of tasks} from each app's `workbench_counts` (an app without one: its workbench's tasks counted).
    The apps' task keys never collide (each app prefixes its own), so the sum per app is what `collect` lists."""
    now = now or timezone.now()
    out: dict[str, int] = {}
    for module in _apps():
        app = module.__name__.split(".")[1]
        counter = getattr(module, "workbench_counts", None)
        n = counter(scope, now) if counter else sum(1 for i in module.workbench(scope, now) if i.kind == TASK)
        if n:
            out[app] = n
    return out


def sort_key(now):
    far = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)

    def key(item: WorkItem):
        return (0 if item.overdue(now) else 1, item.due or far, item.app, item.title)
    return key


def collect(scope, now=None) -> dict:
    """{"tasks": [...], "watch": [...], "now": now}, each list sorted (overdue first, then by deadline)."""
    now = now or timezone.now()
    items: list[WorkItem] = []
    seen = set()
    for provider in _providers():
        for item in provider(scope, now):
            if item.key and item.key in seen:
                continue
            seen.add(item.key)
            items.append(item)
    key = sort_key(now)
    return {"tasks": sorted((i for i in items if i.kind == TASK), key=key),
            "watch": sorted((i for i in items if i.kind == WATCH), key=key), "now": now}


def task_counts(request, work: dict | None = None) -> dict:
    """{app: number of tasks} for the navigation, once per request: counted by each app (`counts`), or, on a page that
    has already collected the workbench (the home), from its lists passed as `work`."""
    cached = getattr(request, "_linli_task_counts", None)
    if cached is not None and work is None:
        return cached
    if work is None:
        from linli.people.scopes import for_request

        found = counts(for_request(request))
    else:
        found = {}
        for item in work["tasks"]:
            found[item.app] = found.get(item.app, 0) + 1
    request._linli_task_counts = found
    return found

"""The workbench: what a person must do now, ordered by deadline, then what they watch.

Every domain app answers for its own work through one read in its `queries`:

    workbench(scope, now) -> list[WorkItem]

scope-filtered, a fixed number of queries whatever the number of rows (no query per row). The
portal merges the lists: tasks (something this person must do) first, overdue ones first, then by
deadline, those without a deadline last; then what they watch. The navigation's counts (待办 7)
come from the same lists (`task_counts`), memoised per request.
"""

import datetime

from django.utils import timezone

from linli.core.work import TASK, WATCH, WorkItem  # noqa: F401  (the items every app's workbench read returns)


def _providers():
    """Each installed app's workbench read (imported here, above them all, so the apps stay unaware of the portal)."""
    from linli.cases import queries as cases
    from linli.meetings import queries as meetings
    from linli.patrols import queries as patrols
    from linli.volunteers import queries as volunteers
    from linli.life import queries as life
    from linli.care import queries as care

    return [getattr(m, "workbench") for m in (cases, patrols, meetings, volunteers, life, care) if hasattr(m, "workbench")]


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
    """{app: number of tasks} for the navigation, computed once per request from `collect`. A page that has already
    collected the workbench (the home) passes it as `work`, so the navigation does not collect it a second time."""
    cached = getattr(request, "_linli_task_counts", None)
    if cached is not None and work is None:
        return cached
    if work is None:
        from linli.people.scopes import for_request

        work = collect(for_request(request))
    counts: dict[str, int] = {}
    for item in work["tasks"]:
        counts[item.app] = counts.get(item.app, 0) + 1
    request._linli_task_counts = counts
    return counts

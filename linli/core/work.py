"""One item of someone's work, as every app's `queries.workbench(scope, now)` returns it
(the portal merges them into each person's workbench; see linli/portal/workbench.py)."""

import datetime
from dataclasses import dataclass, field

TASK = "task"
WATCH = "watch"


@dataclass
class WorkItem:
    app: str  # "cases", "patrols", "meetings", "volunteers", …: the app whose page `url` opens
    kind: str  # TASK or WATCH
    what: str  # a short translated label of the step: 待响应, 待走访, 待投票 …
    title: str  # what it is about (no personal data beyond what the viewer may see on that page)
    url: str
    due: datetime.datetime | None = None
    note: str = ""
    key: str = field(default="")  # a stable id (e.g. "case:12:respond") for tests and de-duplication

    def overdue(self, now: datetime.datetime) -> bool:
        return self.due is not None and self.due < now

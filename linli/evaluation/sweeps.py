"""What the worker does for evaluation: keep the case-figures rollup in step with the timelines (rollup.refresh,
every sweep: the steps newer than the mark), and once at the start of a month rebuild the month that ended from its
timelines (rollup.rebuild; a RollupMark row per rebuilt month makes it once, a second worker rebuilds the same rows)."""

from django.utils import timezone

from linli.core.worker import sweep

from . import rollup
from .indicators import Period
from .models import RollupMark


@sweep("evaluation_rollup")
def refresh_rollup(today=None) -> int:
    today = today or timezone.localdate()
    made = rollup.refresh()
    last = Period.month(today.year, today.month).previous()
    key = f"rebuilt:{last.start:%Y-%m}"
    if not RollupMark.objects.filter(key=key).exists():
        made += rollup.rebuild(last.start_dt, last.end_dt)
        RollupMark.objects.get_or_create(key=key)
    return made

"""Every change to a case. Each appends exactly one timeline row per step and notifies through the outbox.

All transitions go through `base._transition`, a conditional UPDATE on (pk, version, allowed states):
when two people act on one case at once, exactly one wins and the other gets Conflict.

One module per use-case family, re-exported here so that callers keep `from linli.cases import services`:
base (transition, timeline, who may act, photos) · intake (submit) · handling (categorise … merge) ·
whistle (吹哨报到, and the case side of the meeting step that linli.meetings owns) · rating (民评, closing).
"""

from linli.core.errors import OutOfScope  # noqa: F401  (callers catch services.OutOfScope)

from .base import (MAX_PHOTOS, PHOTO_TYPES, ROUTING_ACTIONS, Action, Conflict, Source, State, _actor, _deadlines, _event,
                   _handlers, _is_dispatcher, _next_number, _notify, _reporters, _require_handler, _save_photos, _settings_for,
                   _transition, clean_photos, may_handle, repair_counter, take_number)
from .handling import (_escalate, accept, add_note, categorise, escalate, escalate_overdue, merge, propose_plan, resolve,
                       transfer)
from .intake import _category, _check_intake_scope, _locate, leaf_category, submit
from .rating import _close, close_unrated, may_rate, rate
from .whistle import (check_whistle_meeting, mark_missing_report_in, note_action_progress, note_whistle_meeting, report_in,
                      whistle)

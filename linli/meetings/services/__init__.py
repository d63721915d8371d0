"""Meetings and the council hall: every change, one function per use case, each in a transaction.

One module per use-case family, re-exported here so that callers keep `from linli.meetings import services`:
common (who acts, staff, who lives where) · meetings (record, schedule, minutes, rotation, actions, the record PDF) ·
agenda · whistle (the whistle meeting on a case and its actions) · council (matters) · votes · reception.
"""

from .agenda import (_agenda_key, _automatic_items, _overdue_actions, add_agenda_item, build_agenda, hard_cases,
                     refresh_agenda)
from .common import (_actor, _clean_attendees, _clean_resolutions, _require_staff, _resident_of, _scope_residents_accounts,
                     _staff_accounts, in_matter_scope, is_staff_of, lives_in, person_of)
from .council import (DISCUSSION_STATES, LEVELS, _add_support, _finish_matter_if_done, _mevent, _move, add_option, evaluate,
                      evaluation_summary, hide_reply, may_add_option, plan_actions, raise_matter, reply, set_support_threshold,
                      settings_for, support)
from .meetings import (_invitees_accounts, _rechair_later, cancel_meeting, chair_for, committee_stats, create_committee,
                       may_act_on, meeting_pdf, next_chair, open_actions, record_meeting, record_minutes, report_progress,
                       rotation, schedule_meeting)
from .reception import book, cancel_booking, may_cancel_booking, publish_slot, record_outcome
from .votes import (_cast, _check_open, _entry_for, _fraction, _result, cast, close_vote, decide, electorate,
                    enter_paper_ballot, open_vote, recount, tally, vote_rule)
from .whistle import carry_out, hold_whistle_meeting

"""Every change of grid work, one function per use case, each in a transaction.

Bad input raises ValidationError naming the field; a place or person outside the caller's
write scope raises OutOfScope. Sweeps (called by the worker) claim each row with a conditional
UPDATE so two workers sweeping at once do each step exactly once.

One module per family of use cases, every name re-exported here so callers keep
`from linli.patrols import services` and `services.start_patrol(...)`:

  patrols.py    patrols and their stops; a stop → a case
  hazards.py    hazards, rectification notices (整改通知书), re-inspections and their sweeps
  campaigns.py  inspection campaigns (专项检查): checklists, inspections, progress
  visits.py     care visits (关爱走访): rules, generation, recording, care requests, escalation
  disputes.py   disputes, mediation, agreements, follow-ups, statistics
  duties.py     building leaders: duty lists (清单制), points (积分制), case accountability (责任制)
  _common.py    helpers the modules share (text, scope checks, numbering, photos, who works where)"""

from ._common import MAX_TEXT, site_language, community_staff, grid_worker_of
from .patrols import start_patrol, record_stop, end_patrol, stop_to_case
from .hazards import (record_hazard, issue_notice, reinspections_coming_due, mark_reinspection_due, REINSPECTION_GRACE_DAYS,
                      reinspection_overdue_on, reinspections_left_undone, report_reinspection_overdue, record_reinspection)
from .campaigns import create_campaign, inspect, campaign_progress
from .visits import (DEFAULT_RULES, seed_visit_rules, TAG_CHOICES, save_visit_rule, persons_for, generate_visits, CARE_REQUESTS,
                     CARE_REQUEST_MAX, may_request_care, record_visit, overdue_visits, escalate_overdue_visit)
from .disputes import register_dispute, record_mediation, AGREEMENT_TYPES, attach_agreement, follow_up, dispute_statistics
from .duties import (DEFAULT_POINT_RULES, seed_point_rules, rule_in_force, publish_rule, record_points, points_of, leaders,
                     generate_duties, assign_task, complete_duty, mark_missed, account_building_cases)

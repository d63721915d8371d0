"""Grid-work pages. Thin: scope → query or service → render. A service's ValidationError shows its message
above the form (status 400); OutOfScope is a 403; ids outside the scope are 404.

One module per area, every view re-exported here for urls.py (`views.home`, …):

  patrols.py    the home page, patrols and their stops, coverage, the map
  hazards.py    hazards, rectification notices (page and PDF), photos
  campaigns.py  inspection campaigns and their checklists
  visits.py     care visits and visit rules
  disputes.py   disputes, mediation sessions, agreements
  leaders.py    building leaders: duty lists, points, ranking and rules
  _common.py    form parsing and error helpers the pages share

A module and the list page it holds may share a name: after the imports below, `views.hazards` (say) is the
page, the module is `linli.patrols.views.hazards` in sys.modules."""

from .patrols import home, patrol_start, patrol_detail, patrol_end, stop_case, coverage, stop_map, stop_map_data
from .hazards import hazard_new, hazards, notice_new, notice_detail, notice_pdf, notices, photo
from .campaigns import campaigns, campaign_detail
from .visits import visits, visit_record, visit_rules
from .disputes import disputes, dispute_new, dispute_detail, agreement_file
from .leaders import leader, leaders

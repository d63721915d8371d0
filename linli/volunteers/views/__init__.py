"""Volunteer pages. Thin: scope → query or service → render. A service's ValidationError comes back as a
message naming the field and the page is shown again; OutOfScope is a 403; ids outside the scope are 404.

One module per area, every view re-exported here for urls.py (`views.home`, …):

  registration.py  the home page, registration, approvals, the register (xlsx), a volunteer, teams
  activities.py    activities, the check-in desk and code, certifying hours, the yearly plan
  points.py        the points book (page and PDF), the charity shop and its counter
  wishes.py        micro-wishes
  menu.py          the service menu and its orders
  awards.py        awards
  public.py        the public disclosure page (no sign-in, no personal data)
  _common.py       helpers the pages share (service call → messages, the page's community, staff checks)

A module and the list page it holds may share a name: after the imports below, `views.wishes` (say) is the
page, the module is `linli.volunteers.views.wishes` in sys.modules."""

from .registration import home, register, approvals, register_xlsx, decide, volunteer, teams
from .activities import activities, activity, activity_code, activity_action, certify, plan
from .points import points, points_pdf, volunteer_pdf, shop, cancel_reservation, counter
from .wishes import wishes, wish
from .menu import menu
from .awards import awards
from .public import public

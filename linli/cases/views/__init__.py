"""Case pages: intake (resident, grid worker, building leader, hotline), lists and queues, the case with its
actions, the closing report, messages and the public board. Thin: scope → query or service → render.

Errors: a service's ValidationError re-renders the form with the field's message (400); OutOfScope is a
PermissionDenied (403); Conflict reloads the case with "someone else acted first"; ids outside the scope 404.

intake.py (the report pages) · lists.py (case list, inbox, public board) · case.py (the case page, its actions,
photos, the closing report; panel_view mounts the actions of the parts other apps own, see hooks.py).
"""

from .case import (case_accept, case_categorise, case_detail, case_escalate, case_merge, case_note, case_photo, case_plan,
                   case_rate, case_report_in, case_resolve, case_transfer, case_whistle, closing_report, closing_report_pdf,
                   panel_view)
from .intake import hotline_match, mask_name, report_hotline, report_neighbour, report_quick, report_resident, similar
from .lists import board, case_export, case_list, inbox, inbox_read

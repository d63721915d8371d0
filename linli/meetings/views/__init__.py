"""Council-hall pages (议事厅): matters from raise to evaluation, votes with the ballot list, meetings with their
record and PDF, standing committees, the secretary's reception day; and the whistle meeting on the case page.
Thin: scope → query or service → render.

A service's ValidationError re-renders the page with its message beside the form (400); OutOfScope is a 403;
records outside the caller's scope are 404.

common.py (shared parsing and helpers) · council.py (matters, votes, ballots) · meetings.py (meetings, committees) ·
reception.py (reception day) · whistle.py (the meeting part of the case page, joined through linli.cases.hooks).
"""

from .council import (ballots, home, matter_actions, matter_cast, matter_close_vote, matter_detail, matter_evaluate, matter_hide,
                      matter_open_vote, matter_option, matter_progress, matter_reply, matter_support, paper_ballot, raise_matter)
from .meetings import (committee_list, meeting_agenda_item, meeting_cancel, meeting_detail, meeting_list, meeting_minutes,
                       meeting_pdf, set_threshold)
from .reception import reception, reception_book, reception_cancel, reception_outcome, reception_publish

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "linli.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        from linli.cases import hooks
        from linli.core import roles
        from linli.people import scopes

        from . import sweeps  # noqa: F401  (registers the vote-closing sweep)
        from .models import Matter, Meeting
        from .views.whistle import PANEL

        # The whistle meeting on a case (召开会议 / 落实决议) is this app's: its part of the case page and the two POSTs
        # (cases:meeting, cases:action) join the case page through the hook cases offers (linli/cases/hooks.py).
        hooks.register(PANEL)

        # Staff see matters and meetings by area (domain COUNCIL); residents see the matters of their own area through queries.py.
        # By the matter's own place; queries.matters adds the compound- and community-wide matters that reach
        # into a reader's grid or building (a path cannot say "only when the matter has no building").
        scopes.register(Matter, {
            "subdistrict": ["community__subdistrict_id"],
            "community": ["community_id"],
            "compound": ["compound_id"],
            "grid": ["building__grid_id"],
            "micro_grid": ["building__micro_grid_id"],
            "building": ["building_id"],
            "entrance": ["building__entrances__id"],
            "household": [],
        }, roles.COUNCIL)
        scopes.register(Meeting, {
            "subdistrict": ["community__subdistrict_id"],
            "community": ["community_id"],
            "compound": [],
            "grid": [],
            "micro_grid": [],
            "building": [],
            "entrance": [],
            "household": [],
        }, roles.COUNCIL)

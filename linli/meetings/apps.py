from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "linli.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        from linli.people import roles, scopes

        from . import sweeps  # noqa: F401  (registers the vote-closing sweep)
        from .models import Matter, Meeting

        # Staff see matters and meetings by area (domain COUNCIL); residents see the matters of their own area through queries.py.
        # A matter concerns a building, a compound or the whole community: whoever reads an area inside it sees it.
        scopes.register(Matter, {
            "subdistrict": ["community__subdistrict_id"],
            "community": ["community_id"],
            "compound": ["compound_id", "building__compound_id", "community__compounds__id"],
            "grid": ["building__grid_id", "compound__buildings__grid_id", "community__grids__id"],
            "micro_grid": ["building__micro_grid_id", "compound__buildings__micro_grid_id", "community__grids__id"],
            "building": ["building_id", "compound__buildings__id", "community__buildings__id"],
            "entrance": ["building__entrances__id", "compound__buildings__entrances__id", "community__buildings__entrances__id"],
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

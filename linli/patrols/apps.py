from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "linli.patrols"
    label = "patrols"
    verbose_name = _("Grid work")

    def ready(self):
        from linli.core import roles
        from linli.people import scopes

        from . import sweeps  # noqa: F401  (registers the sweeps with the worker)
        from .models import (Campaign, CareVisit, Dispute, DutyItem, Hazard, Inspection, Patrol, PatrolStop, PointEvent,
                             RectificationNotice, Reinspection, VisitRule)

        def by_place(prefix=""):
            """Records that carry community / grid / building columns (directly or through `prefix`)."""
            return {
                "subdistrict": [f"{prefix}community__subdistrict_id"],
                "community": [f"{prefix}community_id"],
                "compound": [f"{prefix}building__compound_id"],
                "grid": [f"{prefix}grid_id", f"{prefix}grid__parent_id"],
                "micro_grid": [f"{prefix}grid_id", f"{prefix}building__micro_grid_id"],
                "building": [f"{prefix}building_id"],
                "entrance": [],
                "household": [],
            }

        patrol_paths = {
            "subdistrict": ["community__subdistrict_id"], "community": ["community_id"], "compound": [],
            "grid": ["grid_id", "grid__parent_id"], "micro_grid": ["grid_id"], "building": [], "entrance": [], "household": [],
        }
        scopes.register(Patrol, patrol_paths, roles.PATROLS)
        scopes.register(PatrolStop, by_place(), roles.PATROLS)
        scopes.register(Hazard, by_place(), roles.PATROLS)
        scopes.register(Inspection, {**by_place(), "building": ["building_id", "venue__building_id"]}, roles.PATROLS)
        # the responsible property company (compound level) sees the notices for its compounds
        notice_paths = {**patrol_paths, "compound": ["hazards__building__compound_id"], "building": ["hazards__building_id"]}
        scopes.register(RectificationNotice, notice_paths, roles.PATROLS, needs_subquery=True)
        scopes.register(Reinspection, {k: [f"notice__{p}" for p in v] for k, v in notice_paths.items()}, roles.PATROLS, needs_subquery=True)
        # care visits name the elderly, disabled and ill people visited: their own domain (roles.CARE), not granted to
        # the property company, which reads the rest of grid work for its compounds
        scopes.register(CareVisit, {**by_place(), "entrance": ["person__dwelling__entrance_id"], "household": ["person__household_id"]},
                        roles.CARE)
        scopes.register(Dispute, by_place(), roles.PATROLS)
        scopes.register(DutyItem, {**by_place(), "grid": ["building__grid_id", "building__grid__parent_id"],
                                   "micro_grid": ["building__micro_grid_id"]}, roles.PATROLS)
        scopes.register(PointEvent, {**by_place(), "grid": ["building__grid_id"], "micro_grid": ["building__micro_grid_id"]}, roles.PATROLS)
        community_only = {"subdistrict": ["community__subdistrict_id"], "community": ["community_id"]}
        scopes.register(Campaign, {**community_only, "grid": ["community__grids__id"], "micro_grid": ["community__grids__id"]},
                        roles.PATROLS, needs_subquery=True)
        scopes.register(VisitRule, community_only, roles.PATROLS)
        from . import privacy

        privacy.register()  # its part of a person's copy (and of anonymisation): linli.people.privacy

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifeConfig(AppConfig):
    name = "linli.life"
    label = "life"
    verbose_name = _("Life services")

    def ready(self):
        from linli.core import roles
        from linli.people import scopes

        from . import sweeps  # noqa: F401  (registers the sweeps with the worker)
        from .models import Booking, Loan, Order, OrderCycle, Room, Tool

        # The LIFE domain of core.roles: community staff and secretary (read, write), subdistrict staff (read), grid
        # workers and building leaders (read, for their areas: orders by building). Not volunteer team leads.
        # Residents read their own rows through queries (by person), never through these paths.
        def community(prefix):
            return {"subdistrict": [f"{prefix}community__subdistrict_id"], "community": [f"{prefix}community_id"]}

        scopes.register(OrderCycle, community(""), roles.LIFE)
        scopes.register(Order, {**community("cycle__"), "grid": ["dwelling__building__grid_id"],
                                "micro_grid": ["dwelling__building__micro_grid_id"], "building": ["dwelling__building_id"],
                                "entrance": ["dwelling__entrance_id"], "household": ["household_id"]}, roles.LIFE)
        scopes.register(Room, community(""), roles.LIFE)
        scopes.register(Booking, community("room__"), roles.LIFE)
        scopes.register(Tool, community(""), roles.LIFE)
        scopes.register(Loan, {**community("copy__tool__"), "household": ["person__household_id"]}, roles.LIFE)

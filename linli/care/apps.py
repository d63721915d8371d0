from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "linli.care"
    label = "care"
    verbose_name = _("Care")

    def ready(self):
        from linli.core import roles
        from linli.people import scopes

        from . import sweeps  # noqa: F401  (registers the worker sweeps)
        from .models import Alarm, Application, CareOrder, Device, Station

        def by_person(prefix: str) -> dict:
            b = prefix + "person__dwelling__building__"
            return {
                "subdistrict": ["community__subdistrict_id"],
                "community": ["community_id"],
                "compound": [b + "compound_id"],
                "grid": [b + "grid_id"],
                "micro_grid": [b + "micro_grid_id"],
                "building": [prefix + "person__dwelling__building_id"],
                "entrance": [prefix + "person__dwelling__entrance_id"],
                "household": [prefix + "person__household_id"],
            }

        # Devices, alarms, six-aid orders and applications are about one older or needy person: read by area
        # through that person (domain CARE: never the property company or departments).
        for model in (Device, Alarm, CareOrder, Application):
            scopes.register(model, by_person(""), roles.CARE)
        scopes.register(Station, {"subdistrict": ["community__subdistrict_id"], "community": ["community_id"]}, roles.CARE)
        from linli.core.memo import watch

        watch(Station, "stations")  # whether an account works a desk (the menu's 养老服务), cached per process
        watch(Station.operators.through, "stations")

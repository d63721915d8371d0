from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "linli.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self):
        from linli.core import roles
        from linli.people import scopes

        from . import sweeps  # noqa: F401  (registers the worker sweeps)
        from .models import Activity, Redemption, ServiceOrder, ServiceRecord, Volunteer, Wish

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

        # Volunteers, wishes and orders are seen by area through the resident; activities by community.
        scopes.register(Volunteer, by_person(""), roles.VOLUNTEERS)
        scopes.register(Wish, by_person(""), roles.VOLUNTEERS)
        scopes.register(ServiceOrder, by_person(""), roles.VOLUNTEERS)
        scopes.register(ServiceRecord, by_person("volunteer__"), roles.VOLUNTEERS)
        scopes.register(Redemption, by_person("volunteer__"), roles.VOLUNTEERS)
        scopes.register(Activity, {"subdistrict": ["community__subdistrict_id"], "community": ["community_id"]}, roles.VOLUNTEERS)
        from . import privacy

        privacy.register()  # its part of a person's copy (and of anonymisation): linli.people.privacy

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "linli.places"
    label = "places"
    verbose_name = _("Places")

    def ready(self):
        from . import importers, locator  # noqa: F401  (importers registers the import.buildings/venues job handlers)

        from linli.core.memo import watch

        from .models import Building, Community, Compound, Dwelling, Entrance, Grid, Subdistrict

        for model in (Subdistrict, Community, Compound, Grid, Building, Entrance, Dwelling):
            watch(model, "places")  # what scopes, locating and routing read, cached per process (linli.core.memo)
        watch(Grid, "grids")  # the grid index (locator): rebuilt only when a grid changes, not any place

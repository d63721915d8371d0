from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "linli.dashboard"
    label = "dashboard"
    verbose_name = _("Cockpit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import sweeps  # noqa: F401  (registers the month-end report sweep)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import checks, crypto, jobs, notify  # noqa: F401  (jobs and notify register their sweeps; checks its system check)

        crypto.check_configuration()

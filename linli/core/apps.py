from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import crypto, jobs  # noqa: F401  (jobs registers its sweep)

        crypto.check_configuration()

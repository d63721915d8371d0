from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import checks, crypto, jobs, notify  # noqa: F401  (jobs and notify register their sweeps; checks its system check)

        crypto.check_configuration()

        from django.db.models.signals import post_migrate

        from . import memo

        # after every migrate: a SQLite table rebuilt by a migration loses its triggers
        post_migrate.connect(memo.install_triggers, sender=self, dispatch_uid="linli.core.memo.triggers")
        from django.core.signals import request_finished, request_started

        request_started.connect(memo.request_started, dispatch_uid="linli.core.memo.request_started")
        request_finished.connect(memo.request_finished, dispatch_uid="linli.core.memo.request_finished")

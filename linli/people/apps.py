from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "linli.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        from . import importers  # noqa: F401  (registers the import.residents job handler)
        from linli.core.imports import use_scope_resolver

        from .scopes import resolve

        use_scope_resolver(resolve)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "linli.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        from . import importers  # noqa: F401  (registers the import.residents job handler)
        from . import retention  # noqa: F401  (registers the retention sweep with the worker)
        from linli.core.imports import use_scope_resolver

        from .scopes import resolve

        use_scope_resolver(resolve)

        from axes.models import AccessAttempt

        from linli.core.memo import watch

        from .models import Account, ApiToken, Appointment, Household, Organization, Person

        # what the process-local caches of tokens, scopes and routing read (linli.core.memo)
        watch(Account, "auth", ["is_active", "is_superuser", "person"])
        watch(ApiToken, "auth", ["key_hash", "revoked_at", "account"])
        watch(Appointment, "posts")
        watch(Person, "people")
        watch(Household, "people")
        watch(Organization, "orgs")
        watch(Organization.serves.through, "orgs")
        watch(AccessAttempt, "lockouts")

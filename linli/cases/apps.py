from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "linli.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from django.db.models.signals import post_migrate

        from linli.core import roles
        from linli.people import scopes

        from .categories import seed_if_empty

        from . import sweeps  # noqa: F401  (registers the deadline sweeps)
        from . import retention  # noqa: F401  (registers the contact retention sweep, case_contacts)
        from . import health  # noqa: F401  (registers the classifier's check on the status page)
        from .models import Case

        # Who sees a case by area: the people who may read the residents there.
        scopes.register(Case, {
            "subdistrict": ["subdistrict_id"],
            "community": ["community_id"],
            "compound": ["building__compound_id"],
            "grid": ["grid_id"],
            "micro_grid": ["micro_grid_id"],
            "building": ["building_id"],
            "entrance": ["dwelling__entrance_id"],
            "household": [],
        }, roles.PEOPLE)
        post_migrate.connect(seed_if_empty, sender=self, dispatch_uid="linli.cases.seed_categories")

        from linli.core.memo import watch

        from .models import Category, Open311Client

        watch(Category, "categories")
        watch(Open311Client, "auth")  # an Open311 client's key, cached per process, stops working everywhere when revoked  # intake's category look-up is cached per process (linli.core.memo)
        from . import privacy

        privacy.register()  # its part of a person's copy (and of anonymisation): linli.people.privacy

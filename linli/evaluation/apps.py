from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "linli.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from linli.core import roles
        from linli.people import scopes

        from . import sweeps  # noqa: F401  (registers the rollup sweep)
        from .models import Survey

        # a survey is read where its compound lies (domain PLACES: property companies read their compounds)
        scopes.register(Survey, {"subdistrict": ["compound__community__subdistrict_id"], "community": ["compound__community_id"],
                                 "compound": ["compound_id"]}, roles.PLACES)

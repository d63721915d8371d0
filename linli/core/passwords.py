"""Password rules beyond Django's validators: the demo's published password is never a real one."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The password the demo world and its documentation publish (linli.demo.builder sets it on purpose,
# without the validators); production mode refuses to start while an account keeps it.
DEMO_PASSWORD = "linli-demo"


class NotDemoPasswordValidator:
    def validate(self, password, user=None):
        if password is not None and password.strip().lower() == DEMO_PASSWORD:
            raise ValidationError(_("This is the demo's published password: choose another."), code="password_is_demo")

    def get_help_text(self):
        return _("Your password cannot be the demo's published password.")

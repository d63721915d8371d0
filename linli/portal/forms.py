"""Forms of the front door: sign-in and the import upload."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Phone number or username, and the password (the backend accepts either)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Phone or username")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "inputmode": "text", "placeholder": _("e.g. 13800000000")})
        self.fields["password"].label = _("Password")

    error_messages = {
        "invalid_login": _("The phone/username or the password is wrong."),
        "inactive": _("This account is inactive."),
    }


class ImportForm(forms.Form):
    KINDS = [("residents", _("Residents and households")), ("buildings", _("Buildings")), ("venues", _("Shops and venues"))]

    kind = forms.ChoiceField(label=_("What the sheet holds"), choices=KINDS)
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    dry_run = forms.BooleanField(label=_("Dry run: check and show what would change, save nothing"), required=False, initial=True)

    def __init__(self, *args, allowed_kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed_kinds is not None:
            self.fields["kind"].choices = [(k, label) for k, label in self.KINDS if k in allowed_kinds]

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("File: must be an Excel workbook (.xlsx)"))
        return f

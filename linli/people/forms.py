"""Forms of the pages: sign-in, register filters, reveal, import upload."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import DERIVED_TAGS, Person, Tag
from .queries import AGE_BANDS, PersonFilter


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


def tag_choices(blank=True):
    choices = [("", _("Any tag"))] if blank else []
    choices += [(code, label) for code, label in DERIVED_TAGS.items()]
    choices += list(Tag.choices)
    return choices


def tag_labels() -> dict:
    return dict(tag_choices(blank=False))


class PersonFilterForm(forms.Form):
    """Query-string form for the residents register; builds a queries.PersonFilter."""

    q = forms.CharField(label=_("Search"), required=False, max_length=50,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, full ID number or phone")}))
    tag = forms.ChoiceField(label=_("Tag"), required=False, choices=tag_choices)
    grid = forms.TypedChoiceField(label=_("Grid"), required=False, coerce=int, empty_value=None)
    building = forms.TypedChoiceField(label=_("Building"), required=False, coerce=int, empty_value=None)
    age_band = forms.ChoiceField(label=_("Age"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, data=None, *, grids=(), buildings=()):
        data = data.copy() if data is not None else {}
        if "status" not in data:
            data["status"] = Person.Status.LIVING_HERE
        super().__init__(data)
        self.fields["grid"].choices = [("", _("All grids"))] + [(g.pk, g.name) for g in grids]
        self.fields["building"].choices = [("", _("All buildings"))] + [(b.pk, str(b)) for b in buildings]
        self.fields["age_band"].choices = [("", _("Any age"))] + [(k, k) for k in AGE_BANDS]
        self.fields["status"].choices = [("any", _("Any status"))] + list(Person.Status.choices)

    def to_filter(self) -> PersonFilter:
        d = self.cleaned_data if self.is_valid() else {}
        status = d.get("status") or Person.Status.LIVING_HERE
        return PersonFilter(q=d.get("q") or "", tag=d.get("tag") or "", grid=d.get("grid"), building=d.get("building"),
                            age_band=d.get("age_band") or "", status="" if status == "any" else status)


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("What"), choices=[("id_number", _("Resident ID number")), ("phone", _("Phone"))])
    reason = forms.CharField(label=_("Reason"), max_length=500, min_length=2,
                             widget=forms.TextInput(attrs={"placeholder": _("Why you need to see it (kept in the audit log)")}))


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

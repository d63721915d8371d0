"""Forms of the people pages: register filters and reveal. (Sign-in and import upload: linli.portal.forms.)"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Person
from .queries import AGE_BANDS, PersonFilter, tag_labels


def tag_choices(blank=True):
    choices = [("", _("Any tag"))] if blank else []
    return choices + list(tag_labels().items())


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


class ExportRevealForm(forms.Form):
    """An export with full ID numbers and phones asks for a reason, like a single reveal (kept in the audit log)."""

    reason = forms.CharField(label=_("Reason"), max_length=500, min_length=2,
                             widget=forms.TextInput(attrs={"placeholder": _("Why you need full ID numbers and phones (kept in the audit log)")}))

"""Forms of the case pages. They parse; the services decide (and name the field when they refuse)."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Case, Tier


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to nine photos; the services check type, size and number."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos"))
        kwargs.setdefault("help_text", _("Up to 9 photos (JPEG, PNG or WebP)."))
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"accept": "image/*", "multiple": True})

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [f for f in data if f]
        return [data] if data else []


def category_choices(categories):
    groups = {}
    for c in categories:
        groups.setdefault(c.parent.name if c.parent_id else "", []).append((c.code, c.name))
    return [("", _("Not sure — let linli decide"))] + [(g, items) for g, items in groups.items()]


def apply_errors(form, exc):
    """Put a service's ValidationError on the form: on the named field, else on the form."""
    for name, errs in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errs)


class _IntakeForm(forms.Form):
    description = forms.CharField(label=_("What is the problem?"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    category = forms.ChoiceField(label=_("Category (optional)"), required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("Where exactly (optional)"), required=False, max_length=300)
    photos = PhotosField()
    # a one-time key per form shown: a second submit of the same form shows the first case (services.submit)
    intake_key = forms.RegexField(regex=r"^[0-9a-f]{32}$", required=False, widget=forms.HiddenInput)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(categories)
        self.fields["intake_key"].initial = uuid.uuid4().hex


class ResidentReportForm(_IntakeForm):
    PLACE_CHOICES = [("home", _("My home")), ("point", _("A point on the map"))]
    place = forms.ChoiceField(label=_("Where"), choices=PLACE_CHOICES, initial="home", widget=forms.RadioSelect)
    field_order = ["place", "description", "category", "address", "photos"]


class QuickReportForm(_IntakeForm):
    field_order = ["description", "category", "address", "photos"]


class NeighbourReportForm(_IntakeForm):
    dwelling = forms.ChoiceField(label=_("Neighbour's home"))
    reporter_name = forms.CharField(label=_("Neighbour's name (optional)"), required=False, max_length=100)
    reporter_phone = forms.CharField(label=_("Neighbour's phone (optional)"), required=False, max_length=20)
    field_order = ["dwelling", "reporter_name", "reporter_phone", "description", "category", "photos"]

    def __init__(self, *args, dwellings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dwelling"].choices = [("", "—")] + [(str(d.pk), str(d)) for d in dwellings]


class HotlineForm(_IntakeForm):
    PLACE_CHOICES = [("home", _("The caller's home")), ("point", _("A point on the map"))]
    reporter_phone = forms.CharField(label=_("Caller's phone"), max_length=20)
    reporter_name = forms.CharField(label=_("Caller's name"), required=False, max_length=100)
    place = forms.ChoiceField(label=_("Where"), choices=PLACE_CHOICES, initial="home", widget=forms.RadioSelect)
    field_order = ["reporter_phone", "reporter_name", "place", "description", "category", "address", "photos"]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=[("", _("All tiers"))] + list(Tier.choices))
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("All sources"))] + list(Case.Source.choices))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states")), ("open", _("Open"))] + list(Case.State.choices)
        self.fields["category"].choices = [("", _("All categories"))] + [(c.code, str(c)) for c in categories]


class BoardFilterForm(forms.Form):
    """The public board's filters: a category group or leaf, and a state."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        groups = {}
        for c in categories:
            if c.parent_id:
                groups.setdefault((c.parent.code, c.parent.name), []).append((c.code, c.name))
        choices = [("", _("All categories"))]
        for (code, name), leaves in groups.items():
            choices.append((name, [(code, _("All of %(group)s") % {"group": name})] + leaves))
        self.fields["category"].choices = choices
        self.fields["state"].choices = [("", _("All states")), ("open", _("Being handled"))] + [
            (s, label) for s, label in Case.State.choices if s != Case.State.MERGED]


# ---------------------------------------------------------------- handling

class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("The reporter may read it"), required=False, initial=True)
    photos = PhotosField()


class AcceptForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False)


class TransferForm(forms.Form):
    to = forms.ChoiceField(label=_("Person"), required=False)
    to_org = forms.ChoiceField(label=_("Or department"), required=False)
    note = forms.CharField(label=_("Why"), required=False)

    def __init__(self, *args, accounts=(), groups=None, orgs=(), **kwargs):
        """groups: [(role label, [(account pk, "name · post"), …])] shown as <optgroup>s; else the accounts' bare names."""
        super().__init__(*args, **kwargs)
        if groups is not None:
            self.fields["to"].choices = [("", "—")] + list(groups)
        else:
            self.fields["to"].choices = [("", "—")] + [(str(a.pk), a.person.name if a.person_id else a.username) for a in accounts]
        self.fields["to_org"].choices = [("", "—")] + [(str(o.pk), o.name) for o in orgs]


class EscalateForm(forms.Form):
    note = forms.CharField(label=_("Why it goes up"), required=False)
    to_tier = forms.ChoiceField(label=_("To"), required=False, choices=[
        ("", _("One tier up")), (Tier.SUBDISTRICT, _("Subdistrict")), (Tier.DEPARTMENT, _("Department"))])


class CategoriseForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [(c.code, str(c)) for c in categories]


class PlanForm(forms.Form):
    summary = forms.CharField(label=_("Plan"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    option_1 = forms.CharField(label=_("Option 1"), required=False)
    cost_1 = forms.CharField(label=_("Cost"), required=False)
    option_2 = forms.CharField(label=_("Option 2"), required=False)
    cost_2 = forms.CharField(label=_("Cost"), required=False)
    option_3 = forms.CharField(label=_("Option 3"), required=False)
    cost_3 = forms.CharField(label=_("Cost"), required=False)

    def option_list(self):
        d = self.cleaned_data
        return [{"title": d[f"option_{i}"], "cost": d[f"cost_{i}"]} for i in (1, 2, 3) if d.get(f"option_{i}", "").strip()]


class WhistleForm(forms.Form):
    departments = forms.MultipleChoiceField(label=_("Departments to summon"), required=False, widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    report_in_hours = forms.IntegerField(label=_("Report in within (working hours)"), required=False, min_value=1, max_value=72)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].choices = [(str(o.pk), o.name) for o in orgs]


class ReportInForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False)


class ResolveForm(forms.Form):
    result = forms.CharField(label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField()


class RateForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Your verdict"), widget=forms.RadioSelect, required=False, choices=[
        (Case.Verdict.SATISFIED, _("Satisfied")), (Case.Verdict.BASIC, _("Basically satisfied")), (Case.Verdict.UNSATISFIED, _("Unsatisfied"))])
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(forms.Form):
    parent = forms.CharField(label=_("Merge into case number"), required=False, max_length=32)

"""Forms of the whistle meeting on the case page (the meeting step of 吹哨报到, which this app owns). They parse; the
services decide (and name the field when they refuse). The council-hall pages read their POSTs directly (views)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Attendance


def apply_errors(form, exc):
    """Put a service's ValidationError on the form: on the named field, else on the form."""
    for name, errs in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errs)


MEETING_ROWS = 3


class MeetingForm(forms.Form):
    """The whistle meeting: attendance of the summoned departments and staff, minutes, up to three resolutions."""

    starts_at = forms.DateTimeField(label=_("Time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    chair = forms.ChoiceField(label=_("Chair"), required=False)
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    STATUS = [("", "—")] + [(k, v) for k, v in Attendance.Status.choices if k != "invited"]

    def __init__(self, *args, people=(), orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people, self.orgs = list(people), list(orgs)
        self.fields["chair"].choices = [("", "—")] + [(str(p.pk), p.name) for p in self.people]
        self.attendance_rows = []
        for kind, items in (("org", self.orgs), ("person", self.people)):
            for item in items:
                name = f"att_{kind}_{item.pk}"
                self.fields[name] = forms.ChoiceField(label=item.name, required=False, choices=self.STATUS)
                self.fields[name + "_sub"] = forms.CharField(label=_("Substitute"), required=False, max_length=100,
                                                             widget=forms.TextInput(attrs={"placeholder": _("Substitute's name")}))
                self.attendance_rows.append((kind, item, name))
        owners = [("", "—")] + [(f"org:{o.pk}", o.name) for o in self.orgs] + [(f"person:{p.pk}", p.name) for p in self.people]
        for i in range(1, MEETING_ROWS + 1):
            self.fields[f"res_{i}_text"] = forms.CharField(label=_("Resolution %(i)d") % {"i": i}, required=False)
            self.fields[f"res_{i}_owner"] = forms.ChoiceField(label=_("Owner"), required=False, choices=owners)
            self.fields[f"res_{i}_due"] = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
        if not self.is_bound:
            self.initial.setdefault("starts_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault(f"res_1_due", timezone.localdate() + datetime.timedelta(days=3))

    def attendance_fields(self):
        return [(kind, item, self[name], self[name + "_sub"]) for kind, item, name in self.attendance_rows]

    def resolution_fields(self):
        return [(self[f"res_{i}_text"], self[f"res_{i}_owner"], self[f"res_{i}_due"]) for i in range(1, MEETING_ROWS + 1)]


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("What was done"), required=False)
    percent = forms.IntegerField(label=_("Progress %"), required=False, min_value=0, max_value=100, initial=100)
    done = forms.BooleanField(label=_("Done"), required=False, initial=True)



"""The alarm timeline in the reader's language: an escalation's note is stored as the worker wrote it
("operator: 1 in-app, 0 phone", services.desk.escalate) and read here as 值班员：站内通知 1 人，电话 0 个."""

import re

from django import template
from django.utils.translation import gettext as _

register = template.Library()

_NOTE = re.compile(r"^(\w+): (\d+) in-app, (\d+) phone$")


def step_labels() -> dict:
    return {"operator": _("operators on duty"), "grid_worker": _("the grid worker"), "duty_phone": _("the community's duty phone"),
            "contacts": _("the emergency contacts")}


@register.filter
def escalation_note(note: str) -> str:
    """Who a step told: the stored note in words; a note of another shape is shown as it is."""
    m = _NOTE.match(note or "")
    if not m:
        return step_labels().get(note, note)  # a step's name alone
    who = step_labels().get(m.group(1), m.group(1))
    return _("%(who)s: %(app)s told in the app, %(phone)s by phone") % {"who": who, "app": m.group(2), "phone": m.group(3)}

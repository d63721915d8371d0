"""百宝屋 tool library: catalogue, holds in a queue, loans, returns with a condition check, damage and loss,
reminders before the due day and while overdue.

A hold on a tool with a copy on the shelf takes that copy at once (copy → reserved by a conditional UPDATE
on `state = available`): two holds on the last copy, one gets it and the other waits first in the queue.
Only the first hold in the queue is offered the next copy that comes back; a ready hold not collected within
HOLD_DAYS expires and the copy passes to the next."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.people.scopes import Scope

from ..models import Hold, Loan, Tool, ToolCopy
from ._common import _now, _text, _transition, account_of, actor, is_staff_of, person_of, require_staff, site_language

HOLD_DAYS = 3
REMIND_DAYS_BEFORE = 1


def add_tool(scope: Scope, community, *, name: str, category: str, copies: int = 1, instructions: str = "", loan_days: int = 7,
             photo=None, code_prefix: str = "") -> Tool:
    require_staff(scope, community.pk, _("Only the community's staff keep the tool library."))
    name = _text(name, "name", pgettext("life", "Name"), maximum=100)
    category = _text(category, "category", _("Category"), maximum=40)
    if not 1 <= int(copies) <= 100:
        raise ValidationError({"copies": _("Copies: from 1 to 100.")})
    if not 1 <= int(loan_days) <= 90:
        raise ValidationError({"loan_days": _("Loan days: from 1 to 90.")})
    with transaction.atomic():
        tool = Tool.objects.create(community=community, name=name, category=category, instructions=instructions or "",
                                   loan_days=int(loan_days), photo=photo)
        prefix = code_prefix or f"T{community.pk}-{tool.pk}"
        ToolCopy.objects.bulk_create([ToolCopy(tool=tool, code=f"{prefix}-{i}") for i in range(1, int(copies) + 1)])
    return tool


def _member(scope: Scope, tool: Tool):
    person = person_of(scope)
    if person is None or person.community_id != tool.community_id:
        raise OutOfScope(_("Only residents of the community borrow from its tool library."))
    return person


def _overdue(person, today) -> Loan | None:
    return Loan.objects.filter(person=person, state=Loan.State.OUT, due_on__lt=today).select_related("copy__tool").first()


def _refuse_if_overdue(person, today) -> None:
    late = _overdue(person, today)
    if late is not None:
        raise ValidationError({"person": _("Borrower: %(tool)s was due back on %(day)s; no new holds or loans until it is returned.")
                               % {"tool": late.copy.tool.name, "day": late.due_on.isoformat()}})


def queue_position(hold: Hold) -> int:
    return Hold.objects.filter(tool_id=hold.tool_id, state=Hold.State.WAITING, created_at__lt=hold.created_at).count() + 1


def place_hold(scope: Scope, tool: Tool, now=None) -> Hold:
    """Join the tool's queue; with a copy on the shelf and no one waiting before, the hold is ready at once."""
    now = _now(now)
    person = _member(scope, tool)
    _refuse_if_overdue(person, timezone.localdate(now))
    try:
        with transaction.atomic():
            hold = Hold.objects.create(tool=tool, person=person, created_at=now)
            _offer_next(tool, now)
    except IntegrityError:
        raise ValidationError({"tool": _("Hold: you already hold %(tool)s.") % {"tool": tool.name}}) from None
    hold.refresh_from_db()
    return hold


def _offer_next(tool: Tool, now) -> int:
    """Free copies go to the first waiting holds, in queue order (each by conditional UPDATEs)."""
    offered = 0
    for hold in Hold.objects.filter(tool=tool, state=Hold.State.WAITING).order_by("created_at", "id"):
        copy = tool.copies.filter(state=ToolCopy.State.AVAILABLE).order_by("code").first()
        if copy is None:
            break
        if not _transition("copy", copy, ToolCopy.State.RESERVED, "place_hold"):
            continue  # someone took it in between: look again
        if not _transition("hold", hold, Hold.State.READY, "place_hold", copy=copy, ready_until=now + datetime.timedelta(days=HOLD_DAYS)):
            _transition("copy", copy, ToolCopy.State.AVAILABLE, "release_hold")
            continue
        offered += 1
        with site_language():
            subject = _("Ready to collect: %(tool)s (until %(day)s)") % {"tool": tool.name, "day": timezone.localtime(hold.ready_until).strftime("%Y-%m-%d")}
        notify.notify(f"life:hold:{hold.pk}:ready", [account_of(hold.person)], subject=subject, link="/life/tools/mine/")
    return offered


def cancel_hold(scope: Scope, hold: Hold, now=None) -> Hold:
    person = person_of(scope)
    if not (is_staff_of(scope, hold.tool.community_id) or (person is not None and hold.person_id == person.pk)):
        raise OutOfScope(_("Only who placed the hold or the library's staff may cancel it."))
    with transaction.atomic():
        copy = hold.copy
        _transition("hold", hold, Hold.State.CANCELLED, "cancel_hold")
        if copy is not None and copy.state == ToolCopy.State.RESERVED:
            _transition("copy", copy, ToolCopy.State.AVAILABLE, "release_hold")
            _offer_next(hold.tool, _now(now))
    return hold


def expire_hold(hold_id: int, now=None) -> bool:
    now = _now(now)
    hold = Hold.objects.select_related("copy", "tool").filter(pk=hold_id).first()
    if hold is None or hold.state != Hold.State.READY or hold.ready_until > now:
        return False
    with transaction.atomic():
        if not _transition("hold", hold, Hold.State.EXPIRED, "expire_hold"):
            return False
        if hold.copy is not None and hold.copy.state == ToolCopy.State.RESERVED:
            _transition("copy", hold.copy, ToolCopy.State.AVAILABLE, "release_hold")
        _offer_next(hold.tool, now)
    return True


def lend(scope: Scope, copy: ToolCopy, person, *, now=None, due_on=None) -> Loan:
    """The desk hands a copy to a resident: theirs if it is kept for their ready hold, or a shelf copy when nobody waits."""
    now = _now(now)
    tool = copy.tool
    require_staff(scope, tool.community_id, _("Only the library's staff lend tools."))
    today = timezone.localdate(now)
    if person is None or person.community_id != tool.community_id:
        raise ValidationError({"person": _("Borrower: a resident of the community.")})
    if copy.state == ToolCopy.State.ON_LOAN:
        raise ValidationError({"copy": _("Copy: %(code)s is already out on loan.") % {"code": copy.code}})
    if copy.state not in (ToolCopy.State.AVAILABLE, ToolCopy.State.RESERVED):
        raise ValidationError({"copy": _("Copy: %(code)s cannot be lent (%(state)s).") % {"code": copy.code, "state": copy.get_state_display()}})
    _refuse_if_overdue(person, today)
    hold = Hold.objects.filter(tool=tool, person=person, state=Hold.State.READY, copy=copy).first()
    if copy.state == ToolCopy.State.RESERVED and hold is None:
        raise ValidationError({"copy": _("Copy: %(code)s is kept for the first in the queue.") % {"code": copy.code}})
    if hold is None and Hold.objects.filter(tool=tool, state=Hold.State.WAITING).exclude(person=person).exists():
        first = Hold.objects.filter(tool=tool, state=Hold.State.WAITING).order_by("created_at", "id").first()
        if first.person_id != person.pk:
            raise ValidationError({"person": _("Borrower: others wait in the queue for %(tool)s; only the first may take it.") % {"tool": tool.name}})
    due_on = due_on or today + datetime.timedelta(days=tool.loan_days)
    if due_on < today:
        raise ValidationError({"due_on": _("Due: not before today.")})
    with transaction.atomic():
        if not _transition("copy", copy, ToolCopy.State.ON_LOAN, "lend"):
            raise ValidationError({"copy": _("Copy: %(code)s was lent by someone else just now.") % {"code": copy.code}})
        if hold is not None:
            _transition("hold", hold, Hold.State.FULFILLED, "lend")
        else:
            Hold.objects.filter(tool=tool, person=person, state=Hold.State.WAITING).update(state=Hold.State.FULFILLED)
        loan = Loan.objects.create(copy=copy, person=person, hold=hold, lent_at=now, due_on=due_on, condition_out=copy.condition,
                                   lent_by=actor(scope))
    return loan


def return_loan(scope: Scope, loan: Loan, *, condition: str, damage: str = "", now=None) -> Loan:
    """The desk checks the copy: good or worn goes back on the shelf (and to the next hold); damaged goes to repair."""
    now = _now(now)
    copy = loan.copy
    require_staff(scope, copy.tool.community_id, _("Only the library's staff take returns."))
    if condition not in ToolCopy.Condition.values:
        raise ValidationError({"condition": _("Condition: choose good, worn or damaged.")})
    damage = (damage or "").strip()[:300]
    if condition == ToolCopy.Condition.DAMAGED and not damage:
        raise ValidationError({"damage": _("Damage: describe it.")})
    with transaction.atomic():
        if not _transition("loan", loan, Loan.State.RETURNED, "return_loan", returned_at=now, condition_in=condition, damage=damage):
            raise ValidationError({"state": _("Return: this loan was closed just now.")})
        to = ToolCopy.State.REPAIR if condition == ToolCopy.Condition.DAMAGED else ToolCopy.State.AVAILABLE
        _transition("copy", copy, to, "return_loan", condition=condition)
        if to == ToolCopy.State.AVAILABLE:
            _offer_next(copy.tool, now)
    return loan


def record_loss(scope: Scope, loan: Loan, note: str, now=None) -> Loan:
    require_staff(scope, loan.copy.tool.community_id, _("Only the library's staff record losses."))
    note = _text(note, "damage", pgettext("life", "What happened"), minimum=2, maximum=300)
    with transaction.atomic():
        _transition("loan", loan, Loan.State.LOST, "record_loss", returned_at=_now(now), damage=note)
        _transition("copy", loan.copy, ToolCopy.State.LOST, "record_loss")
    return loan


def repair_copy(scope: Scope, copy: ToolCopy, now=None) -> ToolCopy:
    require_staff(scope, copy.tool.community_id, _("Only the library's staff put copies back."))
    with transaction.atomic():
        _transition("copy", copy, ToolCopy.State.AVAILABLE, "repair_copy", condition=ToolCopy.Condition.WORN)
        _offer_next(copy.tool, _now(now))
    return copy


# ---------------------------------------------------------------------------------------------- reminders (sweeps)
def remind_before_due(now=None) -> int:
    """The day before the due day: one reminder per loan (claimed on reminded_at IS NULL)."""
    now = _now(now)
    today = timezone.localdate(now)
    n = 0
    for loan in Loan.objects.filter(state=Loan.State.OUT, reminded_at__isnull=True, due_on__lte=today + datetime.timedelta(days=REMIND_DAYS_BEFORE),
                                    due_on__gte=today).select_related("copy__tool", "person")[:500]:
        if Loan.objects.filter(pk=loan.pk, reminded_at__isnull=True).update(reminded_at=now):
            with site_language():
                subject = _("Due back %(day)s: %(tool)s") % {"day": loan.due_on.isoformat(), "tool": loan.copy.tool.name}
            notify.notify(f"life:loan:{loan.pk}:due", [account_of(loan.person)], subject=subject, link="/life/tools/mine/")
            n += 1
    return n


def remind_overdue(now=None) -> int:
    """While overdue: one reminder a day (claimed on overdue_reminded_on < today)."""
    now = _now(now)
    today = timezone.localdate(now)
    n = 0
    from django.db.models import Q
    for loan in Loan.objects.filter(state=Loan.State.OUT, due_on__lt=today).filter(
            Q(overdue_reminded_on__isnull=True) | Q(overdue_reminded_on__lt=today)).select_related("copy__tool", "person")[:500]:
        claimed = Loan.objects.filter(pk=loan.pk).filter(Q(overdue_reminded_on__isnull=True) | Q(overdue_reminded_on__lt=today)).update(
            overdue_reminded_on=today)
        if claimed:
            with site_language():
                subject = _("Overdue since %(day)s: please return %(tool)s") % {"day": loan.due_on.isoformat(), "tool": loan.copy.tool.name}
            notify.notify(f"life:loan:{loan.pk}:overdue:{today.isoformat()}", [account_of(loan.person)], subject=subject, link="/life/tools/mine/")
            n += 1
    return n


def holds_expired(now=None) -> list[int]:
    return list(Hold.objects.filter(state=Hold.State.READY, ready_until__lte=_now(now)).values_list("pk", flat=True)[:200])

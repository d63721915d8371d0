"""Disputes (矛盾纠纷): registration, mediation sessions, the signed agreement, follow-up visits,
statistics."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import notify
from linli.core.errors import OutOfScope
from linli.people.models import Organization, Person
from linli.people.scopes import Scope
from linli.places.models import Building, Grid

from ..models import Agreement, Dispute, DisputeParty, FollowUp, Mediation
from ._common import _actor, community_staff, _create_numbered, _require_write, _text


@transaction.atomic
def register_dispute(scope: Scope, *, grid: Grid, kind: str, description: str, parties, risk: str = "low",
                     building: Building | None = None) -> Dispute:
    """parties: a list of Person, Organization or plain names (at least two)."""
    _require_write(scope, grid, _("%(place)s lies outside your area.") % {"place": grid})
    if kind not in Dispute.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown kind %(k)s.") % {"k": kind}})
    if risk not in Dispute.Risk.values:
        raise ValidationError({"risk": _("Risk: low, medium or high.")})
    description = _text(description, "description", _("Description"), 4)
    parties = [p for p in parties if p not in (None, "") and (not isinstance(p, str) or p.strip())]
    if len(parties) < 2:
        raise ValidationError({"parties": _("Parties: a dispute has at least two parties.")})
    dispute = _create_numbered(Dispute, "JF", timezone.localdate(), community=grid.community, grid=grid,
                                     building=building, kind=kind, risk=risk, description=description, registered_by=_actor(scope))
    for p in parties:
        if isinstance(p, Person):
            DisputeParty.objects.create(dispute=dispute, person=p, name=p.name)
        elif isinstance(p, Organization):
            DisputeParty.objects.create(dispute=dispute, organization=p, name=p.name)
        else:
            DisputeParty.objects.create(dispute=dispute, name=str(p).strip()[:200])
    if risk == Dispute.Risk.HIGH:
        notify.notify(f"patrols:dispute:{dispute.pk}:high", community_staff(dispute.community_id),
                      subject=_("High-risk dispute registered: %(n)s") % {"n": dispute.number}, body=description[:300],
                      link=f"/patrols/disputes/{dispute.pk}/")
    return dispute


def _dispute_for_write(scope: Scope, dispute: Dispute) -> Dispute:
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if not scope.filter(Dispute.objects.filter(pk=dispute.pk), "write").exists():
        raise OutOfScope(_("Dispute %(n)s is not in your area.") % {"n": dispute.number})
    return dispute


@transaction.atomic
def record_mediation(scope: Scope, dispute: Dispute, *, at, mediators, notes: str, outcome: str) -> Mediation:
    """mediators: [{"kind": building_leader|grid_worker|studio|council|other, "name": …}]"""
    dispute = _dispute_for_write(scope, dispute)
    if dispute.status not in (Dispute.Status.REGISTERED, Dispute.Status.MEDIATING):
        raise ValidationError({"dispute": _("Dispute: %(n)s is %(s)s; no further sessions.") % {"n": dispute.number, "s": dispute.get_status_display()}})
    cleaned = []
    for m in mediators or []:
        kind, name = m.get("kind", ""), str(m.get("name", "")).strip()
        if kind not in Mediation.MediatorKind.values or not name:
            raise ValidationError({"mediators": _("Mediators: each needs a kind and a name.")})
        cleaned.append({"kind": kind, "name": name[:100]})
    if not cleaned:
        raise ValidationError({"mediators": _("Mediators: name at least one mediator.")})
    if outcome not in Mediation.Outcome.values:
        raise ValidationError({"outcome": _("Outcome: to be continued, agreement reached or failed.")})
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("When: a session cannot lie in the future.")})
    if at < dispute.registered_at - datetime.timedelta(days=1):
        raise ValidationError({"at": _("When: the session lies before the dispute was registered.")})
    session = Mediation.objects.create(dispute=dispute, at=at, mediators=cleaned, notes=_text(notes, "notes", _("Notes")),
                                       outcome=outcome, recorded_by=_actor(scope))
    dispute.status = {Mediation.Outcome.CONTINUE: Dispute.Status.MEDIATING, Mediation.Outcome.AGREED: Dispute.Status.AGREED,
                      Mediation.Outcome.FAILED: Dispute.Status.FAILED}[outcome]
    dispute.save(update_fields=["status"])
    return session


AGREEMENT_TYPES = {"application/pdf": (b"%PDF",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}


@transaction.atomic
def attach_agreement(scope: Scope, dispute: Dispute, *, file, summary: str, signed_on: datetime.date) -> Agreement:
    """The signed agreement (PDF or a photo of it) after a session that reached agreement."""
    dispute = _dispute_for_write(scope, dispute)
    if dispute.status != Dispute.Status.AGREED:
        raise ValidationError({"file": _("Agreement: record a session that reached agreement first.")})
    if file is None:
        raise ValidationError({"file": _("Agreement: attach the signed agreement (PDF, JPEG or PNG).")})
    head = file.read(8)
    file.seek(0)
    ctype = getattr(file, "content_type", "") or ""
    if not any(head.startswith(m) for m in AGREEMENT_TYPES.get(ctype, ())):
        raise ValidationError({"file": _("Agreement: only a PDF, JPEG or PNG file is accepted.")})
    if file.size > 10 * 1024 * 1024:
        raise ValidationError({"file": _("Agreement: at most 10 MB.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("Signed on: the date lies in the future.")})
    session = dispute.mediations.filter(outcome=Mediation.Outcome.AGREED).last()
    return Agreement.objects.create(dispute=dispute, mediation=session, summary=_text(summary, "summary", _("Terms")), signed_on=signed_on,
                                    file=file, content_type=ctype, size=file.size, uploaded_by=_actor(scope))


@transaction.atomic
def follow_up(scope: Scope, dispute: Dispute, *, note: str, settled: bool = True) -> FollowUp:
    """回访: after an agreement; settled closes the dispute."""
    dispute = _dispute_for_write(scope, dispute)
    if dispute.status not in (Dispute.Status.AGREED, Dispute.Status.FAILED, Dispute.Status.CLOSED):
        raise ValidationError({"note": _("Follow-up: the dispute has not been settled or given up yet.")})
    if dispute.status == Dispute.Status.AGREED and not dispute.agreements.exists():
        raise ValidationError({"note": _("Follow-up: attach the signed agreement first.")})
    visit = FollowUp.objects.create(dispute=dispute, by=_actor(scope), note=_text(note, "note", _("Note")), settled=settled)
    if settled and dispute.status != Dispute.Status.CLOSED:
        dispute.status, dispute.closed_at = Dispute.Status.CLOSED, timezone.now()
        dispute.save(update_fields=["status", "closed_at"])
    return visit


def dispute_statistics(disputes, start: datetime.date, end: datetime.date) -> dict:
    """Counts by kind and by outcome of the disputes registered in [start, end]."""
    qs = disputes.filter(registered_at__date__gte=start, registered_at__date__lte=end)
    by_kind = {k: 0 for k in Dispute.Kind.values}
    for row in qs.values("kind").annotate(n=Count("id")):
        by_kind[row["kind"]] = row["n"]
    by_status = {s: 0 for s in Dispute.Status.values}
    for row in qs.values("status").annotate(n=Count("id")):
        by_status[row["status"]] = row["n"]
    resolved = qs.filter(Q(status=Dispute.Status.CLOSED, agreements__isnull=False) | Q(status=Dispute.Status.AGREED)).distinct().count()
    return {"total": qs.count(), "by_kind": by_kind, "by_status": by_status, "resolved": resolved}

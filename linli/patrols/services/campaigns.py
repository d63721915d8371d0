"""Inspection campaigns (专项检查): a checklist for venues or buildings; each failed item of an
inspection becomes a hazard."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from linli.core.errors import OutOfScope
from linli.core import roles
from linli.people.scopes import Scope
from linli.places.models import Building, Community, Venue

from ..models import Campaign, ChecklistItem, Hazard, Inspection, InspectionResult, Reinspection
from ._common import _actor, _text
from .hazards import record_hazard


@transaction.atomic
def create_campaign(scope: Scope, community: Community, *, kind: str, title: str, target: str, starts_on, ends_on, items,
                    place_kind: str = "") -> Campaign:
    if not scope.covers(community, "write", roles.PATROLS) or not (scope.everything or scope.has_role(*roles.STAFF_ROLES)):
        raise OutOfScope(_("Only the community's staff plan inspection campaigns."))
    if kind not in Campaign.Kind.values:
        raise ValidationError({"kind": _("Kind: unknown kind %(k)s.") % {"k": kind}})
    if target not in Campaign.Target.values:
        raise ValidationError({"target": _("Inspects: venues or buildings.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("Until: the end lies before the start.")})
    items = [str(i).strip() for i in items if str(i).strip()]
    if not items:
        raise ValidationError({"items": _("Checklist: at least one item.")})
    kinds = Venue.Kind.values if target == Campaign.Target.VENUE else Building.Kind.values
    if place_kind and place_kind not in kinds:
        raise ValidationError({"place_kind": _("Kind of place: unknown kind %(k)s.") % {"k": place_kind}})
    campaign = Campaign.objects.create(community=community, kind=kind, title=_text(title, "title", _("Title")), target=target,
                                       place_kind=place_kind, starts_on=starts_on, ends_on=ends_on, created_by=_actor(scope))
    ChecklistItem.objects.bulk_create([ChecklistItem(campaign=campaign, order=i, text=t[:200]) for i, t in enumerate(items, 1)])
    return campaign


@transaction.atomic
def inspect(scope: Scope, campaign: Campaign, *, place, results: dict, note: str = "", responsible_person=None,
            responsible_org=None, responsible_name: str = "", photos=None) -> Inspection:
    """One place checked against the campaign's checklist; each failed item becomes a hazard.

    results: {item_id: (passed: bool, note: str)}; photos: {item_id: [files]} for the failed ones."""
    if campaign.target == Campaign.Target.VENUE and not isinstance(place, Venue):
        raise ValidationError({"venue": _("Venue: this campaign inspects venues.")})
    if campaign.target == Campaign.Target.BUILDING and not isinstance(place, Building):
        raise ValidationError({"building": _("Building: this campaign inspects buildings.")})
    field = "venue" if isinstance(place, Venue) else "building"
    if campaign.place_kind and place.kind != campaign.place_kind:
        wanted = (Venue.Kind if isinstance(place, Venue) else Building.Kind)(campaign.place_kind).label
        raise ValidationError({field: _("%(place)s is not of the kind this campaign inspects (%(k)s).") % {"place": place, "k": wanted}})
    if place.community_id != campaign.community_id:
        raise ValidationError({field: _("%(place)s is not in the campaign's community.") % {"place": place}})
    if not scope.covers(place, "write", roles.PATROLS):
        raise OutOfScope(_("%(place)s lies outside your grid: you may inspect only places in your grid.") % {"place": place})
    items = list(campaign.items.all())
    missing = [i.text for i in items if i.pk not in results]
    if missing:
        raise ValidationError({"results": _("Checklist: every item needs pass or fail (missing: %(items)s).") % {"items": "、".join(missing)}})
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(campaign=campaign, community=place.community, grid=place.grid, inspector=_actor(scope),
                                                   note=note, **{field: place})
    except IntegrityError:
        raise ValidationError({field: _("%(place)s has already been inspected in this campaign.") % {"place": place}})
    photos = photos or {}
    for item in items:
        passed, item_note = results[item.pk]
        InspectionResult.objects.create(inspection=inspection, item=item, passed=bool(passed), note=(item_note or "")[:300])
        if not passed:
            record_hazard(scope, title=item.text, place=place, description=item_note or "", inspection=inspection, item=item,
                          category_code=campaign.category_code, responsible_person=responsible_person, responsible_org=responsible_org,
                          responsible_name=responsible_name, photos=photos.get(item.pk, ()))
    return inspection


def campaign_progress(campaign: Campaign) -> dict:
    """planned / inspected / hazards found / fixed / fixed on time / escalated, counted in hazards.

    Fixed: the re-inspection found it fixed, whenever that was. Fixed on time: found fixed on or before the notice's
    deadline (a fix recorded after the deadline is fixed, but late)."""
    model = Venue if campaign.target == Campaign.Target.VENUE else Building
    planned_qs = model.objects.filter(community=campaign.community)
    planned = (planned_qs.filter(kind=campaign.place_kind) if campaign.place_kind else planned_qs).count()
    hazards = Hazard.objects.filter(inspection__campaign=campaign)
    fixed = hazards.filter(status=Hazard.Status.FIXED)
    on_time = fixed.filter(notices__reinspection__outcome=Reinspection.Outcome.FIXED,
                           notices__reinspection__done_at__date__lte=F("notices__deadline"))
    return {
        "planned": planned,
        "inspected": campaign.inspections.count(),
        "hazards": hazards.count(),
        "fixed": fixed.count(),
        "fixed_on_time": on_time.values("pk").distinct().count(),
        "escalated": hazards.filter(status=Hazard.Status.ESCALATED).count(),
    }

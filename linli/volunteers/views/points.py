"""Pages: the points book (page and PDF), the charity shop (爱心超市) and its counter."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import pdf
from linli.people.scopes import for_request

from .. import queries, services
from ..models import LedgerAccount, Redemption, ShopItem, StockTake, Volunteer
from ._common import _community, _my_volunteer, _person, _postings_page, _run, _staff_or_403


@login_required
def points(request):
    community = _community(request)
    me = _my_volunteer(request, community)
    if me is None or me.status != Volunteer.Status.APPROVED:
        messages.info(request, _("Register as a volunteer first: points are kept for approved volunteers."))
        return redirect("volunteers:home")
    account = services.account_of(me)
    return render(request, "volunteers/points.html", {"me": me, "account": account, "hours": queries.hours_of(me),
                                                      **_postings_page(request, account),
                                                      "records": me.service_records.select_related("activity", "order__item")[:50],
                                                      "awards": me.awards.all()})


def _points_book_pdf(v: Volunteer) -> HttpResponse:
    """The volunteer's points book (积分簿) as PDF: every posting oldest first with the running balance."""
    account = services.account_of(v)
    running, rows = 0, []
    for p in reversed(list(queries.postings_of(account))):
        signed = p.amount if p.to_account_id == account.pk else -p.amount
        running += signed
        rows.append([timezone.localtime(p.at).strftime("%Y-%m-%d %H:%M"), str(p.get_kind_display()), p.reason,
                     f"{signed:+d}", str(running)])
    table = [[_("Time"), _("Kind"), _("Reason"), _("Points"), _("Balance")]] + rows
    sections = [pdf.Section(_("Summary"), rows=[(_("Community"), v.community.name), (_("Balance"), str(account.balance)),
                                                (_("Hours served"), str(queries.hours_of(v)))]),
                pdf.Section(_("Postings"), table=table)]
    body = pdf.render(_("Points book of %(name)s") % {"name": v.person.name}, sections,
                      subtitle=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                      footer=_("Every line is a posting between two accounts; corrections are new lines, never edits."))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="points-{v.pk}.pdf"'
    return response


@login_required
def points_pdf(request):
    me = _my_volunteer(request, _community(request))
    if me is None or me.status != Volunteer.Status.APPROVED:
        raise Http404
    return _points_book_pdf(me)


@login_required
def volunteer_pdf(request, pk):
    v = get_object_or_404(for_request(request).filter(Volunteer.objects.select_related("person", "community"), "read"), pk=pk)
    return _points_book_pdf(v)


@login_required
def shop(request):
    community = _community(request)
    if community is None:
        raise Http404
    me = _my_volunteer(request, community)
    if request.method == "POST":
        item = get_object_or_404(ShopItem, pk=request.POST.get("item") or 0, community=community)
        if me is None:
            messages.error(request, _("Volunteer: you are not an approved volunteer of this community."))
        else:
            _run(request, lambda: services.redeem(for_request(request), me, item, quantity=request.POST.get("quantity") or 1,
                                                  token=request.POST.get("token", "")), _("Reserved: collect it at the charity shop."))
        return redirect("volunteers:shop")
    ctx = {"community": community, "me": me, "items": ShopItem.objects.filter(community=community, active=True),
           "token": secrets.token_hex(12), "staff": services.is_staff(for_request(request), community)}
    if me is not None and me.status == Volunteer.Status.APPROVED:
        ctx.update(balance=services.account_of(me).balance, mine=me.redemptions.select_related("item")[:30])
    return render(request, "volunteers/shop.html", ctx)


@login_required
@require_POST
def cancel_reservation(request, pk):
    r = get_object_or_404(Redemption, pk=pk)
    person = _person(request)
    if not (person and r.volunteer.person_id == person.pk) and not services.is_staff(for_request(request), r.volunteer.community):
        raise Http404
    _run(request, lambda: services.cancel_redemption(for_request(request), r), _("Reservation cancelled; the points are back."))
    return redirect(request.POST.get("next") or "volunteers:shop")


@login_required
def counter(request):
    community = _community(request)
    _staff_or_403(request, community)
    scope = for_request(request)
    if request.method == "POST":
        p = request.POST
        what = p.get("what")
        if what == "redeem":
            v = get_object_or_404(Volunteer, pk=p.get("volunteer") or 0, community=community)
            item = get_object_or_404(ShopItem, pk=p.get("item") or 0, community=community)
            _run(request, lambda: services.redeem(scope, v, item, quantity=p.get("quantity") or 1, channel="counter", token=p.get("token", "")),
                 _("Handed over."))
        elif what == "collect":
            r = get_object_or_404(Redemption, pk=p.get("redemption") or 0, community=community)
            _run(request, lambda: services.collect(scope, r), _("Collected."))
        elif what == "stock":
            item = get_object_or_404(ShopItem, pk=p.get("item") or 0, community=community)
            _run(request, lambda: services.stock_take(scope, item, counted=p.get("counted"), note=p.get("note", "")), _("Stock counted."))
        elif what == "add":
            _run(request, lambda: services.add_item(scope, community, name=p.get("name", ""), price=p.get("price"), stock=p.get("stock") or 0,
                                                    kind=p.get("kind", "goods")), _("Item added."))
        return redirect("volunteers:counter")
    day = parse_date(request.GET.get("day") or "") or timezone.localdate()
    return render(request, "volunteers/counter.html", {
        "community": community, "day": day, "today": queries.day_redemptions(community, day),
        "reserved": Redemption.objects.filter(community=community, status=Redemption.Status.RESERVED).select_related("item", "volunteer__person"),
        "items": ShopItem.objects.filter(community=community), "kinds": ShopItem.Kind.choices, "token": secrets.token_hex(12),
        "volunteers": Volunteer.objects.filter(community=community, status=Volunteer.Status.APPROVED).select_related("person"),
        "takes": StockTake.objects.filter(item__community=community).select_related("item")[:20],
        "shop_balance": services.house_account(community, LedgerAccount.Kind.SHOP).balance})

"""结案报告: the closing report, generated from the case's timeline (the six steps of 吹哨报到)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import pdf, workdays
from linli.core.scrub import scrub

from .models import Case, ClosingReport, Plan, Summons


def _fmt(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def _name(account) -> str:
    if account is None:
        return _("system")
    person = getattr(account, "person", None)
    return person.name if person else account.get_username()


def scrub_body(body, names):
    """The report's body with every text passed through the scrubber (for readers outside the case's scope)."""
    if isinstance(body, str):
        return scrub(body, names=names)
    if isinstance(body, dict):
        return {k: scrub_body(v, names) for k, v in body.items()}
    if isinstance(body, list):
        return [scrub_body(v, names) for v in body]
    return body


def report_body(case: Case) -> dict:
    events = list(case.events.select_related("actor__person").order_by("at", "id"))
    plans = list(Plan.objects.filter(case=case))
    summonses = list(Summons.objects.filter(whistle__case=case).select_related("department", "whistle"))
    meetings = []
    for m in case.meetings.prefetch_related("attendances__person", "attendances__organization", "actions__owner__person", "actions__owner_org"):
        meetings.append({
            "title": m.title, "at": _fmt(m.starts_at), "place": m.place, "minutes": m.minutes,
            "attendance": [{"who": a.person.name if a.person_id else (a.organization.name if a.organization_id else a.name),
                            "organization": a.organization.name if a.organization_id else "",
                            "status": a.get_status_display(), "substitute": a.substitute_name} for a in m.attendances.all()],
            "actions": [{"text": a.text, "owner": _name(a.owner) if a.owner_id else a.owner_org.name, "due": str(a.due_on),
                         "status": a.get_status_display(), "done_at": _fmt(a.done_at)} for a in m.actions.all()],
        })
    submitted = case.created_at
    merged = [c.number for c in case.merged_cases.all()]
    return {
        "number": case.number,
        "title": case.title,
        "category": str(case.category) if case.category_id else "",
        "community": case.community.name,
        "grid": case.grid.name if case.grid_id else "",
        "address": case.address or (str(case.building) if case.building_id else ""),
        "description": case.description,
        "merged_cases": merged,
        "reported_at": _fmt(submitted),
        "responded_at": _fmt(case.responded_at),
        "resolved_at": _fmt(case.resolved_at),
        "closed_at": _fmt(case.closed_at),
        "response_hours": round(workdays.working_hours_between(submitted, case.responded_at), 1) if case.responded_at else None,
        "handling_hours": round(workdays.working_hours_between(submitted, case.resolved_at), 1) if case.resolved_at else None,
        "plans": [{"summary": p.summary, "options": p.options} for p in plans],
        "whistle": [{"department": s.department.name, "code": s.status, "status": s.get_status_display(), "reported_at": _fmt(s.reported_at),
                     "due": _fmt(s.whistle.report_in_due)} for s in summonses],
        "meetings": meetings,
        "result": case.result,
        "verdict": case.get_verdict_display() if case.verdict else "",
        "verdict_comment": case.verdict_comment,
        "rework_count": case.rework_count,
        "timeline": [{"at": _fmt(e.at), "who": _name(e.actor), "action": e.get_action_display(), "from": e.from_state,
                      "to": e.to_state, "tier": e.to_tier, "note": e.note} for e in events],
    }


def build_closing_report(case: Case) -> ClosingReport:
    body = report_body(case)
    report, _created = ClosingReport.objects.update_or_create(case=case, defaults={"body": body, "generated_at": timezone.now()})
    return report


def render_pdf(report: ClosingReport) -> bytes:
    b = report.body
    sections = [
        pdf.Section(_("1. Problem collected"), rows=[(_("Number"), b["number"]), (_("Title"), b["title"]), (_("Category"), b["category"]),
                                                   (_("Place"), f'{b["community"]} {b["grid"]} {b["address"]}'), (_("Reported at"), b["reported_at"]),
                                                   (_("Merged reports"), "、".join(b["merged_cases"]) or "—")],
                    paragraphs=[b["description"]]),
        pdf.Section(_("2. Plan"), paragraphs=[p["summary"] + "".join(f"\n  · {o['title']} {o['cost']} {o['note']}" for o in p["options"]) for p in b["plans"]] or ["—"]),
        pdf.Section(_("3. Whistle and report-in"), table=[[_("Department"), _("Report-in deadline"), _("Reported in"), _("Status")]] +
                    [[w["department"], w["due"], w["reported_at"] or "—", w["status"]] for w in b["whistle"]] if b["whistle"] else [],
                    paragraphs=[] if b["whistle"] else ["—"]),
        pdf.Section(_("4. Meeting"), paragraphs=[
            f'{m["title"]} · {m["at"]} · {m["place"]}\n' + "、".join(f'{a["who"]}（{a["status"]}）' for a in m["attendance"]) + f'\n{m["minutes"]}'
            for m in b["meetings"]] or ["—"]),
        pdf.Section(_("5. Resolutions carried out"), table=[[_("Resolution"), _("Owner"), _("Due"), _("Done")]] +
                    [[a["text"], a["owner"], a["due"], a["done_at"] or a["status"]] for m in b["meetings"] for a in m["actions"]]
                    if any(m["actions"] for m in b["meetings"]) else [], paragraphs=[] if any(m["actions"] for m in b["meetings"]) else ["—"]),
        pdf.Section(_("6. Closing"), rows=[(_("Result"), b["result"]), (_("Resolved at"), b["resolved_at"]), (_("Closed at"), b["closed_at"]),
                                          (_("Working hours to respond"), b["response_hours"]), (_("Working hours to resolve"), b["handling_hours"]),
                                          (_("Resident's verdict"), f'{b["verdict"]} {b["verdict_comment"]}'), (_("Reworked"), b["rework_count"])]),
        pdf.Section(_("Timeline"), table=[[_("Time"), _("Who"), _("Step"), _("Note")]] + [[t["at"], t["who"], t["action"], t["note"][:120]] for t in b["timeline"]]),
    ]
    return pdf.render(_("Closing report of case %(n)s") % {"n": b["number"]}, sections, subtitle=b["community"],
                      footer=_("Generated %(at)s from the case timeline.") % {"at": _fmt(report.generated_at)})

"""The monthly report of a community or subdistrict for the 例会: rates and their change, trends, top categories,
overdue and escalated cases, report-in punctuality, scorecards — as xlsx (one sheet per table) and as a PDF whose
charts fpdf2 draws itself (bars and lines; no plotting library), with the CJK font of linli.core.pdf."""

import io

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook

from linli.core import replica, roles
from linli.core.excel import _cell_out, _sheet_title
from linli.core.pdf import find_font
from linli.evaluation import queries as ev
from linli.evaluation.indicators import Period, SubjectRef
from linli.people.scopes import Scope
from linli.places.models import Community, Subdistrict

from . import queries
from .models import MonthlyReport

COLORS = [(31, 111, 235), (46, 160, 67), (209, 36, 47), (191, 135, 0), (130, 80, 223)]


class _Worker:
    """The worker writing a report: signed in as nobody, reading one area as its staff would."""

    is_authenticated = True
    pk = None
    person = None


def area_scope(level: str, area_id: int) -> Scope:
    s = Scope(account=_Worker(), on=timezone.localdate(), role_set={roles.SUBDISTRICT_STAFF if level == "subdistrict" else roles.COMMUNITY_STAFF})
    s.grant("read", roles.PEOPLE, level, area_id)
    return s


def build(level: str, area_id: int, period: Period) -> tuple[dict, list]:
    scope = area_scope(level, area_id)
    data = queries.cockpit(scope, period, "grid" if level == "community" else "community")
    cards = []
    kind = "community" if level == "community" else "subdistrict"
    card = ev.scorecard(scope, SubjectRef(kind, area_id), period)
    cards.append([card.subject.label, card.rule.version if card.rule else "—", card.score, card.full])
    return data, cards


def to_xlsx(data: dict, cards: list, title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(_("Rates"))
    ws.append([title])
    ws.append([_("Rate"), _("This month %"), _("Previous month %"), _("Change (points)")])
    for k in data["kpis"]:
        ws.append([str(k["label"]), k["value"], k["previous"], k["change"]])
    for name, table in data["tables"].items():
        sheet = wb.create_sheet(_sheet_title(str(table["title"])))
        sheet.append([str(h) for h in table["headers"]])
        for row in table["rows"]:
            sheet.append([_cell_out(v if not hasattr(v, "__html__") else str(v)) for v in row])
    sheet = wb.create_sheet(_sheet_title(_("Scorecards")))
    sheet.append([_("Subject"), _("Rule version"), _("Score"), _("Full marks")])
    for row in cards:
        sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bars(pdf, x, y, w, h, labels, values, title):
    pdf.set_font("cjk", size=10)
    pdf.set_xy(x, y)
    pdf.cell(w, 6, title)
    y += 8
    top = max([v for v in values if v is not None] + [1])
    n = max(len(values), 1)
    bw = (w - 10) / n
    pdf.set_draw_color(120, 120, 120)
    pdf.line(x, y + h, x + w, y + h)
    pdf.set_font("cjk", size=7)
    for i, (label, v) in enumerate(zip(labels, values)):
        bh = (v or 0) / top * (h - 8)
        pdf.set_fill_color(*COLORS[0])
        pdf.rect(x + 5 + i * bw + bw * 0.15, y + h - bh, bw * 0.7, bh, style="F")
        pdf.set_xy(x + 5 + i * bw, y + h - bh - 4)
        pdf.cell(bw, 4, "" if v is None else f"{v:g}", align="C")
        pdf.set_xy(x + 5 + i * bw, y + h + 1)
        pdf.cell(bw, 4, str(label)[:8], align="C")
    return y + h + 8


def _lines(pdf, x, y, w, h, labels, series, title):
    pdf.set_font("cjk", size=10)
    pdf.set_xy(x, y)
    pdf.cell(w, 6, title)
    y += 8
    pdf.set_draw_color(120, 120, 120)
    pdf.line(x, y + h, x + w, y + h)
    pdf.line(x, y, x, y + h)
    n = max(len(labels) - 1, 1)
    pdf.set_font("cjk", size=7)
    for pct_mark in (0, 50, 100):  # the scale, with faint guide lines
        gy = y + h - pct_mark / 100 * h
        pdf.set_xy(x - 9, gy - 2)
        pdf.cell(8, 4, str(pct_mark), align="R")
        if pct_mark:
            pdf.set_draw_color(225, 225, 225)
            pdf.line(x, gy, x + w, gy)
    pdf.set_draw_color(120, 120, 120)
    for i, label in enumerate(labels):
        pdf.set_xy(x + i * w / n - 8, y + h + 1)
        pdf.cell(16, 4, str(label), align="C")
    legend_x = x
    for si, s in enumerate(series):
        color = COLORS[si % len(COLORS)]
        pdf.set_draw_color(*color)
        pdf.set_line_width(0.6)
        pts = [(x + i * w / n, y + h - (v or 0) / 100 * h) for i, v in enumerate(s["data"]) if v is not None]
        for a, b in zip(pts, pts[1:]):
            pdf.line(*a, *b)
        for px, py in pts:
            pdf.set_fill_color(*color)
            pdf.circle(px - 0.8, py - 0.8, 1.6, style="F") if hasattr(pdf, "circle") else pdf.ellipse(px - 0.8, py - 0.8, 1.6, 1.6, style="F")
        pdf.set_line_width(0.2)
        pdf.set_xy(legend_x, y + h + 6)
        pdf.set_text_color(*color)
        pdf.cell(36, 4, str(s["name"]))
        legend_x += 36
    pdf.set_text_color(0, 0, 0)
    return y + h + 14


def _table(pdf, headers, rows, limit=20):
    pdf.set_font("cjk", size=8)
    pdf.set_fill_color(255, 255, 255)  # the charts' fill colour must not paint the table's cells
    with pdf.table(text_align="LEFT", line_height=5, headings_style=FontFace(emphasis=None, fill_color=(235, 235, 235))) as table:
        r = table.row()
        for h in headers:
            r.cell(str(h))
        for row in rows[:limit]:
            r = table.row()
            for v in row:
                r.cell("" if v is None else str(v))


def to_pdf(data: dict, cards: list, title: str) -> bytes:
    path, index = find_font()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", "", path, **({"collection_font_number": index} if path.endswith(".ttc") else {}))
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 9, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.ln(2)
    pdf.cell(0, 6, _("Rates this month against the previous month"), new_x="LMARGIN", new_y="NEXT")
    _table(pdf, [_("Rate"), _("This month %"), _("Previous month %"), _("Change (points)")],
           [[k["label"], k["value"], k["previous"], k["change"]] for k in data["kpis"]])
    chart = queries.chart_data(data)
    y = pdf.get_y() + 4
    y = _lines(pdf, 15, y, 180, 50, chart["trend"]["months"], chart["trend"]["series"][:3], _("Trends by month") + " (%)")
    y = _bars(pdf, 15, y, 180, 45, chart["category"]["labels"][:chart["category"]["top"]], chart["category"]["data"][:chart["category"]["top"]], _("Cases by category"))
    pdf.set_y(y)
    t = data["tables"]
    for name in ("compare", "overdue", "escalated", "report_in", "triage"):
        if pdf.get_y() > pdf.h - 60:  # a heading never sits alone at the foot of a page
            pdf.add_page()
        pdf.set_font("cjk", size=11)
        pdf.ln(2)
        pdf.cell(0, 7, str(t[name]["title"]), new_x="LMARGIN", new_y="NEXT")
        if t[name]["rows"]:
            _table(pdf, t[name]["headers"], t[name]["rows"])
        else:
            pdf.set_font("cjk", size=9)
            pdf.cell(0, 6, _("None"), new_x="LMARGIN", new_y="NEXT")
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.set_font("cjk", size=11)
    pdf.ln(2)
    pdf.cell(0, 7, _("Scorecards"), new_x="LMARGIN", new_y="NEXT")
    _table(pdf, [_("Subject"), _("Rule version"), _("Score"), _("Full marks")], cards)
    return bytes(pdf.output())


def generate(level: str, area_id: int, period: Period, by=None, replace: bool = False) -> MonthlyReport | None:
    """Make (or, on demand, remake) one area's report for a month; exactly one row per (area, month)."""
    area = (Community if level == "community" else Subdistrict).objects.get(pk=area_id)
    existing = MonthlyReport.objects.filter(level=level, area_id=area_id, month=period.start).first()
    if existing and not replace:
        return None
    with replica.reads():  # the figures from the read replica where there is one
        data, cards = build(level, area_id, period)
    title = _("%(area)s monthly report %(month)s") % {"area": area.name, "month": period.label}
    xlsx, pdf = to_xlsx(data, cards, title), to_pdf(data, cards, title)
    stem = f"{level}-{area_id}-{period.start:%Y-%m}"
    try:
        with transaction.atomic():
            report, _created = MonthlyReport.objects.get_or_create(level=level, area_id=area_id, month=period.start,
                                                                   defaults={"area_name": area.name, "generated_by": by})
            if not _created and not replace:
                return None
            report.xlsx.save(stem + ".xlsx", ContentFile(xlsx), save=False)
            report.pdf.save(stem + ".pdf", ContentFile(pdf), save=False)
            report.generated_at, report.generated_by = timezone.now(), by
            report.save()
    except IntegrityError:  # another worker made it first
        return None
    return report

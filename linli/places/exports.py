"""Registers out: buildings, venues and grids as xlsx, through the scoped queries only.

The building and venue sheets use the import's headers and values, so an export can be
corrected and imported again. A venue's contact phone is a person's phone: masked unless the
caller gives a reason (like a single reveal) and holds a reveal grant somewhere
(Scope.can_reveal_any). A venue export writes one audit row (`export`, or `export_revealed` with
the reason), its detail holding the row count.
"""

from django.db.models import Count
from django.utils.translation import gettext as _

from django.core.exceptions import ValidationError

from linli.core import audit, excel
from linli.core.crypto import mask_phone
from linli.core.models import AuditLog
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linli.people.scopes import Scope

from . import queries
from .importers import BUILDING_KIND_LABELS, VENUE_CATEGORY_LABELS
from .models import Grid

BUILDING_HEADERS = ["社区", "小区", "楼栋号", "网格编码", "网格名称", "微网格", "单元数", "层数", "户数", "建成年份", "类型", "地址", "经度", "纬度"]
VENUE_HEADERS = ["社区", "名称", "类别", "网格编码", "网格名称", "地址", "负责人", "联系电话", "营业执照号", "经营范围", "经度", "纬度", "状态"]
GRID_HEADERS = ["社区", "网格编码", "网格名称", "类型", "上级网格", "楼栋数", "场所数", "说明"]
GRID_KIND_LABELS = {Grid.Kind.RESIDENTIAL: "居民网格", Grid.Kind.DEDICATED: "专属网格", Grid.Kind.MICRO: "微网格"}


def export_buildings(scope: "Scope") -> bytes:
    qs = queries.buildings(scope).annotate(n_entrances=Count("entrances", distinct=True))

    def rows():
        for b in qs:
            yield [
                b.community.name, b.compound.name if b.compound_id else "", b.number, b.grid.code, b.grid.name,
                b.micro_grid.code if b.micro_grid_id else "", b.n_entrances, b.floors, b.n_dwellings, b.built_year,
                BUILDING_KIND_LABELS.get(b.kind, b.kind), b.address, b.lng, b.lat,
            ]

    return excel.write_xlsx(BUILDING_HEADERS, rows(), title=_("Buildings"))


def export_venues(scope: "Scope", *, reason: str = "") -> bytes:
    """Venues in the scope; contact phones in full only with a reason and a reveal grant."""
    reason = (reason or "").strip()[:500]
    if reason and len(reason) < 2:
        raise ValidationError({"reason": _("Reason: required to export full ID numbers and phones")})
    full = bool(reason) and scope.can_reveal_any
    tally = {"rows": 0, "communities": set()}

    def rows():
        for v in queries.venues(scope):
            tally["rows"] += 1
            tally["communities"].add(v.community_id)
            yield [
                v.community.name, v.name, VENUE_CATEGORY_LABELS.get((v.kind, v.nine_small or ""), v.kind), v.grid.code, v.grid.name,
                v.address, v.contact_name, v.contact_phone if full else mask_phone(v.contact_phone), v.credit_code, v.business,
                v.lng, v.lat, "营业" if v.active else "停业",
            ]

    data = excel.write_xlsx(VENUE_HEADERS, rows(), title=_("Venues"))
    communities = tally["communities"]
    audit.record(scope.account, AuditLog.Action.EXPORT_REVEALED if full else AuditLog.Action.EXPORT, subject_label=_("Venues"),
                 community_id=next(iter(communities)) if len(communities) == 1 else None, field="contact_phone" if full else "",
                 reason=reason if full else "", count=tally["rows"], revealed=tally["rows"] if full else 0,
                 communities=sorted(communities))
    return data


def export_grids(scope: "Scope") -> bytes:
    qs = queries.grids(scope).annotate(n_buildings=Count("buildings", distinct=True), n_micro_buildings=Count("micro_buildings", distinct=True),
                                       n_venues=Count("venues", distinct=True))

    def rows():
        for g in qs:
            yield [
                g.community.name, g.code, g.name, GRID_KIND_LABELS.get(g.kind, g.kind), g.parent.code if g.parent_id else "",
                g.n_micro_buildings if g.kind == Grid.Kind.MICRO else g.n_buildings, g.n_venues, g.description,
            ]

    return excel.write_xlsx(GRID_HEADERS, rows(), title=_("Grids"))

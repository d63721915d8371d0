"""Registers out: residents and households as xlsx, through the scoped queries only.

ID numbers and phones are masked unless the user may reveal them (Scope.may_reveal: the
reveal grant over the person's area); an export that shows any of them in full writes one
audit row (who, how many, which filter). The resident sheet uses the import's headers and
values, so an export can be corrected and imported again.
"""

import dataclasses

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, excel
from linli.core.crypto import mask_id_number, mask_phone
from linli.core.models import AuditLog
from linli.places.models import Community

from . import queries
from .importers import GENDER_LABELS, POLITICAL_LABELS, RELATION_LABELS, RESIDENT_TYPE_LABELS, tags_label
from .models import HouseholdMember, Person
from .queries import PersonFilter
from .scopes import AREA_PATHS, Scope

PERSON_HEADERS = ["姓名", "性别", "身份证号", "出生日期", "年龄", "联系电话", "民族", "政治面貌", "社区", "小区", "楼栋", "单元", "房号",
                  "与户主关系", "户籍地址", "人员类型", "工作单位", "标签", "状态", "备注"]
HOUSEHOLD_HEADERS = ["户号", "社区", "小区", "楼栋", "单元", "房号", "户主", "户主身份证号", "户主联系电话", "人数", "成员"]
STATUS_LABELS = {"living_here": "在住", "moved_out": "迁出", "deceased": "死亡"}
CHUNK = 2000


def revealable_ids(scope: Scope, queryset) -> set:
    """The people of `queryset` whose ID number and phone this scope may see in full.

    The same rule as Scope.may_reveal (reveal grants over the person's area), asked once for
    a whole list instead of once per person.
    """
    if scope.everything:
        return set(queryset.values_list("pk", flat=True))
    if not scope.reveal_areas:
        return set()
    q = Q(pk__in=[])
    for level, ids in scope.reveal_areas.items():
        for path in AREA_PATHS[Person].get(level, []):
            q |= Q(**{f"{path}__in": sorted(ids)})
    return set(Person._base_manager.filter(q, pk__in=queryset.order_by().values("pk")).values_list("pk", flat=True))


def _audit(scope: Scope, what: str, count: int, communities: set, filters: dict) -> None:
    actor = scope.account if getattr(scope.account, "pk", None) else None
    community_id = next(iter(communities)) if len(communities) == 1 else None
    audit.record(actor, AuditLog.Action.EXPORT_REVEALED, subject_label=what, community_id=community_id,
                 field="id_number,phone", reason=_("Export"), count=count, filter=filters, communities=sorted(c for c in communities if c))


def export_persons(scope: Scope, f: PersonFilter | None = None, *, reveal: bool = True) -> bytes:
    """The residents the scope sees (and the filter selects). reveal=False masks even for those who may reveal."""
    f = f or PersonFilter()
    qs = queries.persons(scope, f)
    relation = HouseholdMember.objects.filter(person=OuterRef("pk"), until__isnull=True).values("relation")[:1]
    qs = qs.annotate(current_relation=Subquery(relation))
    shown = revealable_ids(scope, qs) if reveal else set()
    today = timezone.localdate()
    revealed = {"n": 0, "communities": set()}

    def rows():
        for p in qs.iterator(chunk_size=CHUNK):
            full = p.pk in shown
            if full and (p.id_number or p.phone):
                revealed["n"] += 1
                revealed["communities"].add(p.community_id)
            d = p.dwelling
            b = d.building if d else None
            yield [
                p.name, GENDER_LABELS.get(p.gender, ""),
                p.id_number if full else mask_id_number(p.id_number),
                p.birth_date, p.age(today),
                p.phone if full else mask_phone(p.phone),
                p.ethnicity, POLITICAL_LABELS.get(p.political_status, ""),
                p.community.name if p.community_id else "",
                b.compound.name if b and b.compound_id else "", b.number if b else "",
                d.entrance.number if d and d.entrance_id else "", d.room if d else "",
                RELATION_LABELS.get(p.current_relation or "", ""),
                p.registered_residence, RESIDENT_TYPE_LABELS[bool(p.registered_here)], p.work_unit,
                tags_label({t.tag: t.level for t in p.tags.all()}),
                STATUS_LABELS.get(p.status, p.status), p.note,
            ]

    data = excel.write_xlsx(PERSON_HEADERS, rows(), title=_("Residents"))
    if revealed["n"]:
        _audit(scope, _("Residents"), revealed["n"], revealed["communities"], {k: v for k, v in dataclasses.asdict(f).items() if v not in ("", None)})
    return data


def export_households(scope: Scope, *, reveal: bool = True) -> bytes:
    """Open households the scope sees, with their head and current members."""
    qs = queries.households(scope)
    heads = {}
    for h in qs:
        for m in h.current_members_list:
            if m.relation == HouseholdMember.Relation.HEAD:
                heads[h.pk] = m.person
    head_ids = Person.objects.filter(pk__in=[p.pk for p in heads.values()])
    shown = revealable_ids(scope, scope.filter(head_ids)) if reveal else set()
    revealed = {"n": 0, "communities": set()}
    community_names = dict(Community.objects.values_list("pk", "name"))

    def rows():
        for h in qs:
            d = h.dwelling
            b = d.building
            head = heads.get(h.pk)
            full = head is not None and head.pk in shown
            if full and (head.id_number or head.phone):
                revealed["n"] += 1
                revealed["communities"].add(b.community_id)
            members = h.current_members_list
            yield [
                h.number, community_names.get(b.community_id, ""), b.compound.name if b.compound_id else "", b.number,
                d.entrance.number if d.entrance_id else "", d.room,
                head.name if head else "",
                (head.id_number if full else mask_id_number(head.id_number)) if head else "",
                (head.phone if full else mask_phone(head.phone)) if head else "",
                len(members),
                "、".join(f"{m.person.name}({RELATION_LABELS.get(m.relation, m.relation)})" for m in members),
            ]

    data = excel.write_xlsx(HOUSEHOLD_HEADERS, rows(), title=_("Households"))
    if revealed["n"]:
        _audit(scope, _("Households"), revealed["n"], revealed["communities"], {})
    return data

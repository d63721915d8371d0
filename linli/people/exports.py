"""Registers out: residents and households as xlsx, through the scoped queries only.

ID numbers and phones are masked. They are shown in full only when the caller gives a reason
(like a single reveal, PIPL's minimum necessary) and only for the rows the caller may reveal
(Scope.may_reveal: the reveal grant over the person's area). Every export writes ONE audit row:
`export` (masked, no reason asked) or `export_revealed` (with the reason), its detail holding the
row count (`count`), how many rows were shown in full (`revealed`), the filter and the communities.
The resident sheet uses the import's headers and values, so an export can be corrected and imported
again.
"""

import dataclasses

from django.core.exceptions import ValidationError
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


def clean_reason(reason: str | None) -> str:
    """The reason of an unmasked export ("" for a masked one); a given reason must say something."""
    reason = (reason or "").strip()
    if reason and len(reason) < 2:
        raise ValidationError({"reason": _("Reason: required to export full ID numbers and phones")})
    return reason[:500]


def _audit(scope: Scope, what: str, reason: str, tally: dict, filters: dict) -> None:
    """One row per export: masked (`export`) or with full ID numbers / phones (`export_revealed`, with the reason)."""
    actor = scope.account if getattr(scope.account, "pk", None) else None
    communities = tally["communities"]
    community_id = next(iter(communities)) if len(communities) == 1 else None
    revealed = tally["revealed"]
    action = AuditLog.Action.EXPORT_REVEALED if revealed else AuditLog.Action.EXPORT
    audit.record(actor, action, subject_label=what, community_id=community_id, field="id_number,phone" if revealed else "",
                 reason=reason if revealed else "", count=tally["rows"], revealed=revealed, filter=filters,
                 communities=sorted(c for c in communities if c))


def export_persons(scope: Scope, f: PersonFilter | None = None, *, reason: str = "") -> bytes:
    """The residents the scope sees (and the filter selects), masked unless a reason is given (then in full where
    the scope may reveal)."""
    f = f or PersonFilter()
    reason = clean_reason(reason)
    qs = queries.persons(scope, f)
    relation = HouseholdMember.objects.filter(person=OuterRef("pk"), until__isnull=True).values("relation")[:1]
    qs = qs.annotate(current_relation=Subquery(relation))
    shown = revealable_ids(scope, qs) if reason else set()
    today = timezone.localdate()
    tally = {"rows": 0, "revealed": 0, "communities": set()}

    def rows():
        for p in qs.iterator(chunk_size=CHUNK):
            full = p.pk in shown
            tally["rows"] += 1
            tally["communities"].add(p.community_id)
            if full and (p.id_number or p.phone):
                tally["revealed"] += 1
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
    _audit(scope, _("Residents"), reason, tally, {k: v for k, v in dataclasses.asdict(f).items() if v not in ("", None)})
    return data


def export_households(scope: Scope, *, reason: str = "") -> bytes:
    """Open households the scope sees, with their head and current members; heads' ID numbers and phones masked
    unless a reason is given (then in full where the scope may reveal)."""
    reason = clean_reason(reason)
    qs = queries.households(scope)
    heads = {}
    for h in qs:
        for m in h.current_members_list:
            if m.relation == HouseholdMember.Relation.HEAD:
                heads[h.pk] = m.person
    head_ids = Person.objects.filter(pk__in=[p.pk for p in heads.values()])
    shown = revealable_ids(scope, scope.filter(head_ids)) if reason else set()
    tally = {"rows": 0, "revealed": 0, "communities": set()}
    community_names = dict(Community.objects.values_list("pk", "name"))

    def rows():
        for h in qs:
            d = h.dwelling
            b = d.building
            head = heads.get(h.pk)
            full = head is not None and head.pk in shown
            tally["rows"] += 1
            tally["communities"].add(b.community_id)
            if full and (head.id_number or head.phone):
                tally["revealed"] += 1
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
    _audit(scope, _("Households"), reason, tally, {})
    return data

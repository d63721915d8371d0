"""Demo grid work for 柳航里, all through linli.patrols.services: a week of patrols by every grid worker, the
visit rules with due and recorded care visits, a fire-safety campaign in the shops (九小场所) and a corridor
clean-up with notices (fixed, pending, one not fixed → a case), disputes in every state, and the building
leaders' lists and points (清单制 + 积分制 + 责任制)."""

import datetime
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.patrols import services
from linli.patrols.models import CareVisit, DutyItem, Hazard, Patrol
from linli.core import roles
from linli.people.models import Appointment, Organization
from linli.people.scopes import resolve, system
from linli.places.models import Building, Community, Venue

SEED = 4104
SEEN = ["楼道整洁，消防器材完好", "单元门禁正常，楼道灯不亮已记录", "楼道堆放纸箱，已提醒住户清理", "电动车停放在楼道口，已劝离",
        "走访独居老人，身体状况良好", "外墙空调架锈蚀，提醒物业关注", "垃圾分类投放点整洁", "商铺灭火器在有效期内"]
SITUATIONS = ["身体状况良好，生活能自理", "腿脚不便，需要助餐服务", "情绪稳定，子女每周来看望", "血压偏高，已提醒按时服药"]
CARE_NEEDS = ["想要一个带扶手的淋浴凳，洗澡时更安全", "希望有人每周帮忙买一次菜送上楼"]
DISPUTES = [
    ("neighbour", "楼上装修噪音影响休息，双方多次争吵", ["王某", "李某"]),
    ("neighbour", "楼上卫生间渗水到楼下，赔偿问题谈不拢", ["张某", "赵某"]),
    ("family", "老人赡养费分摊问题，兄妹产生矛盾", ["刘某", "刘某某"]),
    ("property", "物业费上涨，部分业主拒交", ["业主代表", "物业公司"]),
    ("tenancy", "租客提前退租，押金退还纠纷", ["房东孙某", "租客周某"]),
    ("neighbour", "公共楼道堆物，邻里互不相让", ["吴某", "郑某"]),
    ("other", "小区停车位占用纠纷", ["车主甲", "车主乙"]),
]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _account(appt):
    return getattr(appt.person, "account", None)


def build(main: Community) -> dict:
    rng = random.Random(SEED)
    s = system()
    today = timezone.localdate()
    now = timezone.now()
    workers = [a for a in Appointment.objects.filter(role=roles.GRID_WORKER, grid__community=main, grid__parent__isnull=True)
               .select_related("grid", "person") if _account(a)]
    out = {"patrols": 0, "stops": 0, "hazards": 0, "notices": 0, "visits": 0, "care_requests": 0, "disputes": 0, "duties": 0, "escalated": 0}

    # 1. a week of patrols: every grid worker, every other day, 4–6 places
    for appt in workers:
        scope = resolve(appt.person.account)
        buildings = list(Building.objects.filter(grid=appt.grid).order_by("number"))
        venues = list(Venue.objects.filter(grid=appt.grid)[:10])
        for days_ago in (6, 4, 2, 0):
            if not buildings and not venues:
                break
            start = now - datetime.timedelta(days=days_ago, hours=rng.randint(1, 3))
            patrol = services.start_patrol(scope)
            places = rng.sample(buildings, min(len(buildings), rng.randint(3, 5))) + rng.sample(venues, min(len(venues), 1))
            for i, place in enumerate(places):
                kw = {"venue": place} if isinstance(place, Venue) else {"building": place}
                services.record_stop(scope, patrol, seen=rng.choice(SEEN), at=start + datetime.timedelta(minutes=12 * i), **kw)
                out["stops"] += 1
            if days_ago:  # today's patrol stays under way
                services.end_patrol(scope, patrol, note="巡查完毕")
            # the services stamp "now"; the demo's week happened earlier (a plain update, as the other demo generators do)
            Patrol.objects.filter(pk=patrol.pk).update(
                started_at=start, ended_at=start + datetime.timedelta(minutes=12 * len(places) + 5) if days_ago else None)
            out["patrols"] += 1

    # 2. care visits: the default rules, due visits generated, a third recorded by the grid workers
    services.seed_visit_rules(main)
    services.generate_visits(main, today)
    due = list(CareVisit.objects.filter(community=main, done_at__isnull=True, assigned_to__isnull=False).select_related("assigned_to"))
    for n, v in enumerate(due[: len(due) // 3]):
        # the first few needs found become micro-wishes for volunteers to claim (a care request from the visit)
        need = CARE_NEEDS[n] if n < len(CARE_NEEDS) else ""
        services.record_visit(resolve(v.assigned_to), v, method=rng.choice(["door", "door", "phone"]), situation=rng.choice(SITUATIONS),
                              needs=need, care="wish" if need else "", at=now - datetime.timedelta(hours=rng.randint(1, 48)))
        out["visits"] += 1
        out["care_requests"] += 1 if need else 0

    # 3. inspections: fire safety in the shops, corridor clutter in the buildings
    staff = Appointment.objects.filter(role__in=[roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY], community=main).select_related("person").first()
    staff_scope = resolve(staff.person.account) if staff and _account(staff) else s
    shop = services.create_campaign(staff_scope, main, kind="shop_fire", title="九小场所消防安全专项检查", target="venue", place_kind="nine_small",
                                    starts_on=today - datetime.timedelta(days=10), ends_on=today + datetime.timedelta(days=20),
                                    items=["灭火器配备且在有效期内", "疏散通道畅通、无堆物", "无违规住人（三合一）", "电气线路规范，无私拉乱接"])
    corridor = services.create_campaign(staff_scope, main, kind="corridor", title="楼道堆物清理整治", target="building",
                                        starts_on=today - datetime.timedelta(days=7), ends_on=today + datetime.timedelta(days=14),
                                        items=["楼道无堆物", "无电动车进楼充电", "无飞线充电"])
    property_company = Organization.objects.filter(kind=Organization.Kind.PROPERTY_COMPANY, serves__community=main).first()
    for appt in workers:
        scope = resolve(appt.person.account)
        shop_items = list(shop.items.all())
        for venue in Venue.objects.filter(grid=appt.grid, kind=Venue.Kind.NINE_SMALL)[:4]:
            passed = {i.pk: rng.random() > 0.2 for i in shop_items}
            results = {k: (ok, "" if ok else "现场检查发现问题") for k, ok in passed.items()}
            services.inspect(scope, shop, place=venue, results=results)
        c_items = list(corridor.items.all())
        for b, building in enumerate(Building.objects.filter(grid=appt.grid).order_by("number")[:4]):
            results = {i.pk: (rng.random() > 0.4, "楼道内堆放杂物") for i in c_items}
            org = property_company if b == 0 else None  # the stairwell of the first: the property company; the others: the households
            services.inspect(scope, corridor, place=building, results=results, responsible_org=org,
                             responsible_name="" if org else f"{building}相关住户")
        # notices: one per responsible party; the first fixed, the second pending, the third not fixed today → a case
        by_party = {}
        for h in Hazard.objects.filter(grid=appt.grid, status=Hazard.Status.OPEN).order_by("id"):
            by_party.setdefault(h.responsible_name, []).append(h)
        for n, (party, hazards) in enumerate(list(by_party.items())[:3]):
            not_fixed = n == 1 and out["escalated"] < 2
            deadline = today if not_fixed else today + datetime.timedelta(days=3 + n)
            notice = services.issue_notice(scope, hazards, requirements="请按检查意见逐项整改，保持疏散通道畅通，消防器材完好有效。",
                                           deadline=deadline)
            out["notices"] += 1
            if n == 0:
                services.record_reinspection(scope, notice.reinspection, fixed=True, note="复查：已整改到位")
            elif not_fixed:
                services.record_reinspection(scope, notice.reinspection, fixed=False, note="复查：逾期未整改")
                out["escalated"] += 1
    out["hazards"] = Hazard.objects.filter(community=main).count()

    # 4. disputes: registered → mediated → agreed / failed → followed up
    for i, (kind, text, parties) in enumerate(DISPUTES):
        appt = workers[i % len(workers)]
        scope = resolve(appt.person.account)
        d = services.register_dispute(scope, grid=appt.grid, kind=kind, description=text, parties=parties,
                                      risk=["low", "medium", "high"][i % 3] if kind != "family" else "medium")
        out["disputes"] += 1
        if i % 4 == 3:
            continue  # just registered
        services.record_mediation(scope, d, at=now - datetime.timedelta(hours=20), outcome="continue", notes="听取双方诉求，约定再次调解",
                                  mediators=[{"kind": "building_leader", "name": "楼栋长"}, {"kind": "grid_worker", "name": appt.person.name}])
        if i % 4 == 2:
            continue  # still mediating
        outcome = "failed" if i == 5 else "agreed"
        services.record_mediation(scope, d, at=now - datetime.timedelta(hours=6), outcome=outcome, notes="在调解工作室面对面协商",
                                  mediators=[{"kind": "studio", "name": "秀蓉调解工作室"}])
        if outcome == "agreed":
            services.attach_agreement(scope, d, file=SimpleUploadedFile("agreement.pdf", PDF, content_type="application/pdf"),
                                      summary="双方同意按调解方案执行", signed_on=today)
            if i % 2 == 0:
                services.follow_up(scope, d, note="回访：双方履行协议，关系缓和", settled=True)

    # 5. building leaders: rules published from the start of the year, last month's and this month's lists
    services.seed_point_rules(main, today.replace(month=1, day=1))
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    out["duties"] += services.generate_duties(main, last_month)
    out["duties"] += services.generate_duties(main, today)
    for item in DutyItem.objects.filter(community=main, period=f"{last_month:%Y-%m}").select_related("leader"):
        if rng.random() < 0.8:
            services.complete_duty(s, item, "已按清单完成", at=timezone.make_aware(datetime.datetime.combine(
                item.due_on - datetime.timedelta(days=rng.randint(0, 20)), datetime.time(10))))
    for pk in DutyItem.objects.filter(community=main, done_at__isnull=True, due_on__lt=today).values_list("pk", flat=True):
        services.mark_missed(pk, today)
    for item in DutyItem.objects.filter(community=main, period=f"{today:%Y-%m}").order_by("id")[::3]:
        services.complete_duty(s, item, "已收集居民意见并反馈社区")
    services.account_building_cases(today)
    return out

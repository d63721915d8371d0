"""Demo council hall for 柳航里, through the meetings services: a joint standing committee of the community party
committee, the owners' committee and the property company meeting monthly with a rotating chair (新源: 8 meetings,
30+ suggestions, 18 solved), matters in every step of 民事民提/议/决/办/评, the next meeting with its overdue actions on
the agenda, and the secretary's reception day. Past dates are set after the services ran (the services only accept
present and future dates)."""

import datetime
import math
import random
from types import SimpleNamespace

from django.utils import timezone

from linli.meetings import services
from linli.meetings.models import Action, Matter, MatterEvent, Meeting
from linli.core import roles
from linli.people.models import Account, Appointment, Organization, Person
from linli.people.scopes import Scope, resolve, system
from linli.places.models import Community

SEED = 606

MATTERS = [
    ("楼道加装扶手", "楼里老人多，上下楼没有扶手，希望加装不锈钢扶手", "老人上下楼摔倒过两次", 8000),
    ("单元门禁维修", "单元门禁坏了一个多月，外来人员随意进出", "安全隐患", 3500),
    ("车棚加装充电桩", "电动车在楼道飞线充电，希望在车棚加装充电桩", "楼道充电有火灾隐患", 36000),
    ("楼顶防水维修", "顶楼住户家里漏雨，楼顶防水层老化", "雨季漏水严重", 52000),
    ("楼道灯更换声控灯", "楼道灯坏了好几盏，晚上上楼看不见", "老人夜里出行不便", 1200),
    ("增设晾衣架", "小区没有晾晒被褥的地方，希望在空地增设晾衣架", "天气好时大家没处晒被子", 4000),
    ("清理楼道堆物", "楼道里堆放杂物和废旧家具，影响通行", "消防通道被占", 0),
    ("修补小区路面", "小区主路坑洼，雨天积水", "老人和孩子容易滑倒", 28000),
    ("增加垃圾分类驿站", "垃圾桶太少经常满溢，希望增设垃圾分类驿站", "夏天异味大", 15000),
    ("安装监控探头", "小区东门和车棚没有监控，电动车被盗过", "防盗", 12000),
    ("健身器材更新", "健身器材年久失修，有的已经松动", "锻炼的老人多，有安全隐患", 20000),
    ("化粪池清掏", "化粪池多年未清掏，污水外溢", "气味大，影响卫生", 6000),
    ("绿化带改停车位", "停车难，希望把部分荒废绿化带改成停车位", "车辆乱停堵塞消防通道", 45000),
    ("楼道粉刷", "楼道墙面脱落发黑，希望重新粉刷", "老旧小区环境提升", 18000),
    ("加装电梯意见征集", "多层住宅加装电梯，征集本楼住户意见", "楼里60岁以上老人多", 380000),
    ("设立爱心座椅", "小区门口等车的老人没地方坐，希望设几把座椅", "方便老人休息", 2400),
    ("修缮自行车棚", "车棚顶棚破损漏雨", "车辆淋雨生锈", 9000),
    ("疏通雨水管道", "每逢下雨单元门口积水", "排水不畅", 7000),
    ("规范快递存放", "快递堆在单元门口，丢件多", "希望设置快递柜", 0),
    ("增设儿童游乐设施", "小区孩子多，没有游乐场地", "孩子们只能在路边玩", 30000),
    ("外墙保温修补", "外墙保温层脱落，有高空坠物风险", "安全隐患", 60000),
    ("防盗窗改造", "一楼防盗窗锈蚀", "消防逃生与防盗兼顾", 15000),
    ("屋顶太阳能清理", "楼顶废弃太阳能热水器有坠落风险", "大风天危险", 3000),
    ("老年助餐点", "希望在社区设老年助餐点", "独居老人做饭难", 0),
    ("宠物管理公约", "遛狗不拴绳、狗粪无人清理", "邻里矛盾多", 0),
    ("垃圾清运时间调整", "清晨五点清运噪音大", "影响休息", 0),
    ("修剪高大树木", "树枝挡住低层住户采光，还碰到电线", "安全与采光", 2500),
    ("单元门口加装雨棚", "单元门口没有雨棚，下雨进出不便", "方便出行", 6000),
    ("小区公示栏更新", "公示栏破旧，通知看不清", "信息公开", 1500),
    ("安装消防器材", "楼道灭火器过期", "消防安全", 4800),
    ("夜间照明补强", "小区西侧路灯少，夜里很黑", "夜间出行安全", 8500),
    ("停车收费标准听证", "物业拟调整停车收费，居民希望听证", "涉及每户利益", 0),
]
REPLIES = ["同意，早该办了", "建议费用按户分摊，账目公开", "物业要负责以后的维护", "我家老人最需要，支持", "希望尽快施工，别影响出行",
           "建议先征求一楼住户意见", "能不能申请社区公益金？", "支持，顺便把楼道灯也修一下"]
COMMENTS = ["办得很好，谢谢社区", "效果不错", "速度很快", "还需要后续维护", "满意"]


def _as(person: Person) -> Scope:
    """Act as a resident: their account if they have one, else the person without a login (the demo only)."""
    account = Account.objects.filter(person=person).first()
    if account is not None:
        return resolve(account)
    return Scope(account=SimpleNamespace(pk=None, person=person, is_authenticated=True, is_active=True), on=timezone.localdate())


def _shift(matter: Matter, created: datetime.datetime, done: datetime.datetime | None = None) -> None:
    Matter.objects.filter(pk=matter.pk).update(created_at=created, **({"done_at": done} if done else {}))
    MatterEvent.objects.filter(matter=matter, kind="raised").update(at=created)


def build(main: Community) -> int:
    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localdate()
    secretary_appt = (Appointment.objects.filter(role=roles.COMMUNITY_SECRETARY, community=main, person__account__isnull=False)
                      .select_related("person").first())
    staff = resolve(secretary_appt.person.account) if secretary_appt else system()
    chair_person = secretary_appt.person if secretary_appt else None
    residents = list(Person.objects.filter(community=main, status=Person.Status.LIVING_HERE, dwelling__isnull=False)
                     .select_related("dwelling__building"))
    if not residents or chair_person is None:
        return 0
    by_building = {}
    for p in residents:
        by_building.setdefault(p.dwelling.building_id, []).append(p)
    buildings = [b for b, ps in by_building.items() if len(ps) >= 8] or list(by_building)
    services.set_support_threshold(staff, main, 5)

    # -------------------------------------------------------------- matters in every step
    prop = Organization.objects.filter(kind=Organization.Kind.PROPERTY_COMPANY, community=main).first()
    owners = Organization.objects.filter(kind=Organization.Kind.OWNERS_COMMITTEE, community=main).first()
    staff_account = staff.account if getattr(staff.account, "pk", None) else None
    plan = ["done"] * 18 + ["in_progress"] * 3 + ["voting"] * 2 + ["deliberating"] * 3 + ["on_agenda"] * 3 + ["raised"] * 3
    made = 0
    # the demo's resident (signs in as "resident") finds a vote to cast and a discussion to join in their own building
    demo_resident = Account.objects.filter(username="resident", person__community=main, person__dwelling__isnull=False).select_related("person__dwelling").first()
    home = demo_resident.person.dwelling.building_id if demo_resident and demo_resident.person.dwelling.building_id in by_building else None
    homed = set()
    for i, (title, what, why, cost) in enumerate(MATTERS[:len(plan)]):
        target = plan[i]
        building_id = buildings[i % len(buildings)]
        if home and target in ("voting", "deliberating", "on_agenda", "done") and target not in homed:
            building_id = home
            homed.add(target)
        here = by_building[building_id]
        raiser = rng.choice(here)
        m = services.raise_matter(_as(raiser), title=title, what=what, why=why, level="building", place=str(raiser.dwelling.building))
        made += 1
        age_days = 250 - i * 7 if target == "done" else rng.randint(2, 40)
        created = now - datetime.timedelta(days=max(age_days, 3), hours=rng.randint(0, 8))
        supporters = [p for p in rng.sample(here, min(len(here), 9)) if p.pk != raiser.pk]
        want = 2 if target == "raised" else rng.randint(4, 8)
        for p in supporters[:want]:
            services.support(_as(p), m)
        if cost:
            services.add_option(_as(raiser), m, f"{title}（施工方案）", cost)
        if target == "raised" or target == "on_agenda":
            _shift(m, created)
            continue
        for p in rng.sample(here, min(len(here), rng.randint(1, 3))):
            services.reply(_as(p), m, rng.choice(REPLIES))
        if target == "deliberating":
            _shift(m, created)
            continue
        vote = services.open_vote(staff, m, level="building", unit="household", quorum=(2, 3), majority=(1, 2), strict=True,
                                  closes_at=now + datetime.timedelta(days=5 if target == "voting" else 1))
        roll = list(vote.roll.all())
        need = math.ceil(len(roll) * 2 / 3) + (0 if target == "voting" else 1)
        options = list(m.options.order_by("id"))
        if target == "voting" and demo_resident is not None:
            roll = [e for e in roll if e.household_id != demo_resident.person.household_id]  # left for the demo to cast
        for k, entry in enumerate(rng.sample(roll, min(len(roll), need if target != "voting" else need // 2))):
            option = options[0] if k % 5 else options[-1]
            services.enter_paper_ballot(staff, vote, entry, option)
        if target == "voting":
            _shift(m, created)
            continue
        services.close_vote(staff, vote, early=True)
        m.refresh_from_db()
        if m.status != "decided":
            _shift(m, created)
            continue
        owner = {"owner_org": prop, "owner_kind": "property"} if prop and i % 3 else {"owner": staff_account, "owner_kind": "community"}
        if owner.get("owner") is None and owner.get("owner_org") is None:
            owner = {"owner_org": owners, "owner_kind": "owners_committee"}
        actions = services.plan_actions(staff, m, [{"text": f"落实：{title}", "due_on": today + datetime.timedelta(days=20), **owner}])
        if target == "done":
            for a in actions:
                services.report_progress(staff, a, "已完成，现场验收合格", 100, done=True)
            for p in rng.sample(here, min(len(here), rng.randint(3, 6))):
                services.evaluate(_as(p), m, rng.choice([5, 5, 4, 4, 3]), rng.choice(COMMENTS))
            done_at = created + datetime.timedelta(days=rng.randint(20, 45))
            _shift(m, created, min(done_at, now - datetime.timedelta(days=1)))
            Action.objects.filter(matter=m).update(due_on=(created + datetime.timedelta(days=30)).date(), done_at=min(done_at, now))
        else:
            _shift(m, created)

    # -------------------------------------------------------------- the joint standing committee, monthly, chaired in turn
    party = Organization.objects.filter(kind=Organization.Kind.PARTY, party_level="community_committee", community=main).first()
    members = []
    for org, chair in ((party, chair_person),
                       (owners, Person.objects.filter(community=main, name=getattr(owners, "contact_name", "")).first() if owners else None),
                       (prop, Person.objects.filter(appointments__organization=prop, appointments__role=roles.PROPERTY_MANAGER).first() if prop else None)):
        if org is not None:
            members.append((org, chair or rng.choice(residents)))  # e.g. the owners' committee's chair lives in the compound
    social = list(Organization.objects.filter(kind=Organization.Kind.SOCIAL, community=main)[:1])
    if len(members) >= 2:
        committee = services.create_committee(staff, community=main, name=f"{main.name}物业党建联席会", members=members + [(o, None) for o in social])
        committee.members.filter(organization__in=social).update(rotates=False)
        topics = ["楼道堆物清理与消防通道", "加装电梯意见征集", "停车管理与收费", "雨季排水防汛", "垃圾分类推进", "老旧小区改造",
                  "物业服务满意度", "冬季供暖保障", "电动车充电安全"]
        held = 0
        for k, back in enumerate(range(9, 0, -1)):
            if back == 6:  # the Spring Festival month: no meeting, and nobody loses a turn
                continue
            month_start = (today.replace(day=1) - datetime.timedelta(days=31 * back)).replace(day=10)
            starts = timezone.make_aware(datetime.datetime.combine(month_start, datetime.time(15, 0)))
            topic = topics[k % len(topics)]
            meeting = services.schedule_meeting(staff, kind="committee", community=main, title=f"{month_start.month}月联席会：{topic}",
                                                starts_at=starts, place="社区党群服务中心会议室", committee=committee)
            attendees = [{"organization": o, "status": "present"} for o, _c in members]
            if social:
                attendees.append({"organization": social[0], "status": "substitute" if back % 2 else "present", "substitute_name": "协会副会长" if back % 2 else ""})
            due = timezone.localdate() + datetime.timedelta(days=1)  # any date not past, even if the build crossed midnight;
            # the real due dates are set just below
            resolutions = [{"text": f"{topic}：制定方案并公示", "owner_org": members[(k + 1) % len(members)][0], "due_on": due},
                           {"text": f"{topic}：入户征求意见", "owner_org": members[k % len(members)][0], "due_on": due}]
            meeting = services.record_minutes(staff, meeting, attendees=attendees, resolutions=resolutions,
                                              minutes=f"会议围绕“{topic}”听取了社区、业委会、物业的情况汇报，逐项研究了居民反映的问题，形成决议如下。")
            held += 1
            for j, a in enumerate(meeting.actions.all()):
                overdue = back <= 2 and j == 1  # the last two months leave one action each open past its due date
                Action.objects.filter(pk=a.pk).update(due_on=month_start + datetime.timedelta(days=20))
                if not overdue:
                    a.refresh_from_db()
                    services.report_progress(staff, a, "已按期完成", 100, done=True)
                    Action.objects.filter(pk=a.pk).update(done_at=starts + datetime.timedelta(days=15))
            Meeting.objects.filter(pk=meeting.pk).update(created_at=starts - datetime.timedelta(days=5))
        # next month's meeting: its agenda carries the overdue actions automatically
        nxt = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=7), datetime.time(15, 0)))
        services.schedule_meeting(staff, kind="committee", community=main, title=f"{nxt.month}月联席会", starts_at=nxt,
                                  place="社区党群服务中心会议室", committee=committee)
    # a grid-management regular meeting next week, chaired by the secretary
    services.schedule_meeting(staff, kind="regular", community=main, title="网格化管理例会", chair=chair_person,
                              starts_at=timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=3), datetime.time(9, 0))),
                              place="社区网格中心", persons=list(Person.objects.filter(appointments__role=roles.GRID_WORKER,
                                                                                       appointments__grid__community=main).distinct()[:8]))

    # -------------------------------------------------------------- 书记接待日 (有事说事): next Tuesday morning
    tuesday = today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7)
    slots = []
    for h, mnt in ((9, 0), (9, 30), (10, 0), (10, 30)):
        start = timezone.make_aware(datetime.datetime.combine(tuesday, datetime.time(h, mnt)))
        slots.append(services.publish_slot(staff, community=main, starts_at=start, ends_at=start + datetime.timedelta(minutes=30),
                                           place="书记接待室", capacity=1))
    bookers = [p for p in rng.sample(residents, min(len(residents), 2)) if not (demo_resident and p.pk == demo_resident.person_id)]
    for slot, p in zip(slots[1:], bookers):
        b = services.book(_as(p), slot, rng.choice(["小区停车太乱，想和书记反映", "楼上装修噪音大，想请社区协调", "想咨询老年助餐点的事"]))
        if slot is slots[1]:
            services.record_outcome(staff, b, "已约物业现场查看，一周内答复")
    return made

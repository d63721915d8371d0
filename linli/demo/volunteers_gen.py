"""Demo volunteers for 柳航里, after the seeds: the party-member volunteer registry (000), the 益民志愿服务队 with its
six kinds of service, an annual plan, points kept per volunteer and spent at the 爱心超市, 实践之星 awards, needs lists
and 点单式服务, 微心愿 (002), the 邻里互助志愿服务队 with monthly haircuts and free clinics (004).
Everything goes through linli.volunteers.services."""

import datetime
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core import roles
from linli.people.models import Account, Appointment, Organization, Person
from linli.people.scopes import resolve, system
from linli.places.models import Community
from linli.volunteers import services
from linli.volunteers.models import ServiceRecord

SEED = 5005

PLAN = [(1, "迎新春写春联送福", "publicity"), (2, "元宵节邻里餐桌", "table"), (3, "学雷锋志愿服务月义诊", "clinic"),
        (4, "清明文明祭扫宣传", "publicity"), (5, "环境卫生大扫除", "cleanup"), (6, "防溺水安全宣传", "publicity"),
        (7, "四点半课堂暑期托管", "other"), (8, "夏季消防安全检查", "fire_drill"), (9, "中秋邻里餐桌", "table"),
        (10, "重阳节走访慰问老人", "elderly"), (11, "冬季消防演练", "fire_drill"), (12, "每月义务理发", "haircut")]

MENU = [("elderly", "防诈骗讲座", "社区民警和志愿者讲解常见骗局"), ("elderly", "智能手机教学", "一对一教用微信、健康码、视频通话"),
        ("elderly", "上门理发", "行动不便的老人在家理发"), ("youth", "四点半课堂", "放学后作业辅导"), ("youth", "周末读书会", "亲子阅读"),
        ("disabled", "上门打扫", "居家保洁"), ("disabled", "代购代办", "代买药品、代缴费用")]

ITEMS = [("大米（5斤）", 60, 40, "goods"), ("食用油", 80, 25, "goods"), ("洗衣液", 30, 50, "goods"), ("毛巾", 15, 80, "goods"),
         ("抽纸", 10, 120, "goods"), ("义务理发券", 20, 999, "service"), ("家电维修券", 50, 200, "service")]

WISHES = ["想请人帮忙修一下家里的台灯", "孙子想要一个新书包", "想学会用手机和外地的女儿视频", "腿脚不便，想请人陪同去医院复查",
          "想要几本大字版的书", "家里的轮椅刹车坏了", "希望有人周末来陪老伴聊聊天", "想给小孩找一位数学辅导志愿者"]


def _staff_scope(main: Community):
    appt = (Appointment.objects.filter(role__in=[roles.COMMUNITY_STAFF, roles.COMMUNITY_SECRETARY], community=main,
                                       person__account__isnull=False).select_related("person__account").first())
    return resolve(appt.person.account) if appt else system()


def build(main: Community) -> int:
    rng = random.Random(SEED)
    staff = _staff_scope(main)
    now = timezone.now()
    today = timezone.localdate()
    party = Organization.objects.filter(kind=Organization.Kind.PARTY, community=main).order_by("pk").first()
    units = list(Organization.objects.filter(kind=Organization.Kind.CO_BUILDING, community=main).order_by("pk")[:4])
    elderly_assoc = Organization.objects.filter(kind=Organization.Kind.SOCIAL, community=main).first()
    pool = [p for p in Person.objects.filter(community=main, dwelling__isnull=False, status=Person.Status.LIVING_HERE,
                                             birth_date__isnull=False).order_by("pk")[:1500]
            if 18 <= (p.age(today) or 0) <= 75]
    if len(pool) < 60:  # the story needs a community of some size
        return 0
    chosen = rng.sample(pool, 42)
    demo_resident = Account.objects.filter(username="resident").select_related("person").first()
    if demo_resident and demo_resident.person and demo_resident.person.community_id == main.pk and demo_resident.person not in chosen:
        chosen[0] = demo_resident.person

    # registration: party members through the party-member registry, some through co-building units; most approved
    volunteers = []
    skills = ["理发", "量血压", "家电维修", "教用手机", "书法", "作业辅导", "法律咨询", "摄影", "烹饪", "心理疏导"]
    for i, p in enumerate(chosen):
        is_party = p.political_status in (Person.Political.PARTY_MEMBER, Person.Political.PROBATIONARY) and party is not None
        v = services.register(system(), person=p, community=main, skills="、".join(rng.sample(skills, 2)),
                              availability=rng.choice(["周末上午", "工作日晚上", "每周三下午", "随叫随到"]),
                              target_groups=rng.sample(["elderly", "youth", "disabled", "families"], 2),
                              party_member=is_party, party_org=party if is_party else None,
                              organization=units[i % len(units)] if units and i % 7 == 3 else None)
        if i < 38:
            volunteers.append(services.decide(staff, v, approve=True))
    # 4 stay pending for the approval queue

    teams = [("益民志愿服务队", "助老、助残、助学、环境整治、文明宣传、邻里调解", "社区党群服务站 每周三上午 9:00–11:00"),
             ("邻里互助志愿服务队", "每月义务理发、义诊、邻里餐桌", "社区服务站一楼 每月15日"),
             ("党员先锋志愿服务队", "政策宣传、矛盾调解、结对帮扶", "社区党委 工作日 8:30–17:30")]
    for n, (name, what, channel) in enumerate(teams):
        members = volunteers[n * 12:(n + 1) * 12]
        team = services.create_team(staff, main, name=name, lead=members[0], services=what, channel=channel,
                                    organization=elderly_assoc if n == 1 else None)
        for v in members[1:]:
            services.join_team(staff, team, v, since=today - datetime.timedelta(days=rng.randint(30, 700)))

    # the community's volunteer-team organisation and its appointed lead (志愿服务队队长) run a team too
    for org in Organization.objects.filter(kind=Organization.Kind.VOLUNTEER_TEAM, community=main).order_by("pk"):
        appt = Appointment.objects.filter(role=roles.VOLUNTEER_TEAM_LEAD, organization=org).select_related("person").first()
        if appt is None:
            continue
        lead = services.approved_volunteer(appt.person, main.pk)
        if lead is None:
            lead = services.decide(staff, services.register(system(), person=appt.person, community=main, skills="组织协调"), approve=True)
            volunteers.append(lead)
        team = services.create_team(staff, main, name=org.name, lead=lead, organization=org, services="楼道清理、文明劝导、邻里帮扶",
                                    channel="小区志愿服务站 每天 9:00–11:00")
        for v in volunteers[36:38]:
            services.join_team(staff, team, v)

    # the annual plan and its activities: held months are recorded from the paper sign-in sheets and certified
    year = today.year
    items = {m: services.add_plan_item(staff, main, year=year, month=m, title=t, kind=k) for m, t, k in PLAN}
    for month in range(1, today.month):
        title, kind = items[month].title, items[month].kind
        start = timezone.make_aware(datetime.datetime(year, month, 15, 9, 0))
        if start > now - datetime.timedelta(days=1):
            continue
        act = services.create_activity(staff, main, title=title, kind=kind, place=rng.choice(["社区广场", "党群服务站", "小区活动室"]),
                                       starts_at=start, ends_at=start + datetime.timedelta(hours=3), capacity=15,
                                       points_per_hour=10, organisers=units[:1] if units and month % 3 == 0 else ())
        services.link_plan_item(staff, items[month], act)
        for v in rng.sample(volunteers, 8):
            rec = services.record_hours(staff, act, v, minutes=rng.choice([90, 120, 150, 180]))
            services.certify(staff, rec, rating=rng.choice([4, 5, 5, 3]))

    # today: a clinic under way, checked in and out by code at the desk (elderly volunteers without a phone)
    clinic = services.create_activity(staff, main, title="重阳节义诊进社区", kind="clinic", place="社区党群服务站",
                                      starts_at=now - datetime.timedelta(hours=3), ends_at=now + datetime.timedelta(hours=1),
                                      capacity=6, waitlist_size=3, points_per_hour=12, target_group="elderly",
                                      organisers=units[:2])
    for v in volunteers[:6]:
        services.sign_up(staff, clinic, person=v.person)
    for v in volunteers[6:8]:
        services.sign_up(staff, clinic, person=v.person)  # the waiting list
    t_in = now - datetime.timedelta(hours=2, minutes=50)
    t_out = now - datetime.timedelta(minutes=20)
    for v in volunteers[:5]:
        services.check_in(staff, clinic, services.code_at(clinic, t_in), at=t_in, person=v.person)
        services.check_out(staff, clinic, services.code_at(clinic, t_out), at=t_out, person=v.person)
    for rec in ServiceRecord.objects.filter(activity=clinic)[:3]:
        services.certify(staff, rec, rating=5)

    # coming: haircuts, a fire drill, and a free clinic residents sign up to attend
    for days, title, kind, audience, cap in [(3, "每月义务理发", "haircut", "volunteers", 4), (9, "冬季消防演练", "fire_drill", "volunteers", 20),
                                             (5, "免费健康体检（居民报名）", "clinic", "residents", 50)]:
        start = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=days), datetime.time(9, 0)))
        act = services.create_activity(staff, main, title=title, kind=kind, audience=audience, capacity=cap, place="社区广场",
                                       starts_at=start, ends_at=start + datetime.timedelta(hours=3), points_per_hour=10)
        if kind == "fire_drill":
            services.link_plan_item(staff, items[11], act)
        people = [v.person for v in volunteers[8:14]] if audience == "volunteers" else [p for p in pool[:12]]
        for p in people:
            try:
                services.sign_up(staff, act, person=p)
            except ValidationError:  # the haircut fills up: the rest are refused, as the rule says
                break

    # the charity shop: a catalogue, redemptions at the counter, reservations, one cancelled, a stock-take
    shop = [services.add_item(staff, main, name=n, price=price, stock=stock, kind=k) for n, price, stock, k in ITEMS]
    for v in volunteers[:20]:
        balance = services.account_of(v).balance
        affordable = [i for i in shop if i.price <= balance]
        if not affordable:
            continue
        item = rng.choice(affordable)
        channel = "counter" if rng.random() < 0.6 else "online"
        scope = staff if channel == "counter" else system()
        r = services.redeem(scope, v, item, quantity=1, channel=channel)
        if channel == "online" and rng.random() < 0.25:
            services.cancel_redemption(staff, r, reason="居民改换其他物品")
    services.stock_take(staff, shop[3], counted=shop[3].stock - 1 if shop[3].stock else 0, note="盘点发现破损一条")

    # service menu and orders that became volunteer tasks
    menu = [services.add_menu_item(staff, main, target_group=g, title=t, description=d) for g, t, d in MENU]
    elderly = [p for p in Person.objects.filter(community=main, dwelling__isnull=False, birth_date__lte=today.replace(year=today.year - 70))
               .order_by("pk")[:10]]
    for n, p in enumerate(elderly[:6]):
        order = services.order_service(staff, menu[n % 3], person=p, note=rng.choice(["周二下午", "上午都行", "周末"]))
        if n % 3 != 0:
            services.claim_order(staff, order, person=volunteers[20 + n].person)
            if n % 3 == 2:
                rec = services.complete_order(staff, order, minutes=60)
                services.certify(staff, rec, rating=5)

    # micro-wishes: posted by residents' grid workers, claimed by volunteers and co-building units, fulfilled, thanked
    for n, text in enumerate(WISHES):
        p = elderly[n % len(elderly)] if elderly else pool[n]
        w = services.post_wish(staff, person=p, text=text)
        if n >= 3:
            if units and n % 2:
                services.claim_wish(staff, w, organization=units[n % len(units)])
            else:
                services.claim_wish(staff, w, person=volunteers[25 + n].person)
        if n >= 5:
            services.fulfil_wish(staff, w, note="志愿者已上门完成")
        if n >= 6:
            _thank(w)

    # 实践之星: the top of this year's ranking
    from linli.volunteers import queries
    ranking = queries.ranking(main, today.replace(month=1, day=1), today)
    for r in ranking[:3]:
        services.give_award(staff, r["volunteer"], title="实践之星", level="excellence", period_start=today.replace(month=1, day=1),
                            period_end=today, points=50)
    for r in ranking[3:6]:
        services.give_award(staff, r["volunteer"], title="实践之星", level="participation", period_start=today.replace(month=1, day=1),
                            period_end=today, points=20)
    return len(volunteers)


def _thank(wish):
    """The resident thanks (through the grid worker's account that posted it, or the resident's own)."""
    acc = Account.objects.filter(person=wish.person).first() or wish.posted_by
    if acc is not None:
        services.thank_wish(resolve(acc), wish, text="谢谢志愿者，邻里之间真温暖！")

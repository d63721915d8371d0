"""Demo: the 初心助老站 of seed 001, placed in 柳航里 (the demo has one subdistrict; 文兴社区 of 水泊寺街道 would be a
second one): 电子保姆 devices in the homes of the older residents (600+: an SOS pendant each, a smoke detector per
household, an inactivity sensor for those living alone), two months of alarms answered at the desk within realistic
times (a few late, some sent a 助救 visit), and half a year of 六助 home services to 100+ older people.

Everything is bulk-created (a few thousand rows in a few queries); the devices beat once a day (NB-IoT 电子保姆), so a
fresh demo raises no offline alarms for two days unless `linli care simulate` keeps them alive."""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from linli.care.models import (
    Alarm,
    AlarmLog,
    CareOrder,
    Contact,
    Device,
    Gateway,
    Station,
)
from linli.care.services.receiving import DEVICE_KINDS
from linli.people.models import Organization, Person
from linli.places.models import Community

SEED = 16
GATEWAY_KEY = "xintiebao"
GATEWAY_SECRET = "demo-gateway-secret"  # the demo's only gateway; `linli care simulate` signs with it
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭"
GIVEN = "建国军华明丽芳敏静强磊洋勇艳杰娟涛超秀英霞平刚桂兰红梅玲志伟海燕"
RELATIONS = ["儿子", "女儿", "儿媳", "女婿", "侄子", "邻居", "楼长"]
OUTCOMES = [(Alarm.Outcome.FALSE_ALARM, 55), (Alarm.Outcome.BY_PHONE, 25), (Alarm.Outcome.VISIT, 15), (Alarm.Outcome.AMBULANCE, 3),
            (Alarm.Outcome.HOSPITAL, 2)]
HOME_KINDS = [(CareOrder.Kind.MEALS, 40), (CareOrder.Kind.CLEANING, 20), (CareOrder.Kind.SHOPPING, 15), (CareOrder.Kind.MEDICAL, 15),
              (CareOrder.Kind.MOBILITY, 10)]
WORK = {CareOrder.Kind.MEALS: "送餐到家（两荤一素）", CareOrder.Kind.CLEANING: "打扫厨房卫生间", CareOrder.Kind.SHOPPING: "代购米面油和蔬菜",
        CareOrder.Kind.MEDICAL: "陪同到社区卫生服务站复诊取药", CareOrder.Kind.MOBILITY: "陪同散步、上下楼", CareOrder.Kind.RESCUE: "上门查看，扶起，无外伤"}
FEES = {CareOrder.Kind.MEALS: ("12.00", CareOrder.Payer.SUBSIDY), CareOrder.Kind.CLEANING: ("30.00", CareOrder.Payer.RESIDENT),
        CareOrder.Kind.SHOPPING: ("0", CareOrder.Payer.FREE), CareOrder.Kind.MEDICAL: ("0", CareOrder.Payer.FREE),
        CareOrder.Kind.MOBILITY: ("0", CareOrder.Payer.FREE)}


def _pick(rng, weighted):
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _phone(rng) -> str:
    return f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _answer_seconds(rng) -> float:
    """Time to acknowledge: most within half a minute, ~2 % after 60 s, the odd one after 180 s (night shift)."""
    r = rng.random()
    if r < 0.975:
        return rng.uniform(6, 55)
    if r < 0.993:
        return rng.uniform(61, 170)
    return rng.uniform(190, 420)


def build(main: Community) -> dict:
    rng = random.Random(SEED)
    now = timezone.now().replace(microsecond=0)
    Account = get_user_model()
    station = Station.objects.create(community=main, name="初心助老站", duty_phone="0352-2061120", step_timeouts=[60, 120, 180, 300])
    operators = list(Account.objects.filter(username__in=["staff1", "staff2", "staff3"]).order_by("username"))
    station.operators.add(*operators)
    gateway = Gateway.objects.create(station=station, key=GATEWAY_KEY, name="398贴心保平台", secret=GATEWAY_SECRET)
    company = Organization.objects.create(kind=Organization.Kind.CO_BUILDING, name="大同市颐康居家养老服务有限公司", community=main)

    cutoff = datetime.date(now.year - 60, now.month, min(now.day, 28))
    older = list(Person.objects.filter(community=main, status=Person.Status.LIVING_HERE, birth_date__lte=cutoff, household__isnull=False)
                 .order_by("pk").only("pk", "household_id", "name"))
    by_household = defaultdict(list)
    for p in older:
        by_household[p.household_id].append(p)
    sizes = dict(Person.objects.filter(household_id__in=list(by_household), status=Person.Status.LIVING_HERE)
                 .values_list("household_id").order_by().annotate(n=Count("id")))
    alone = {hid for hid, n in sizes.items() if n == 1}

    # ---- devices: an SOS pendant for each older resident, a smoke detector per household, an inactivity sensor if alone
    devices, n = [], 0
    installed = datetime.date(2023, 9, 1)

    def device(person, household_id, kind, dc09=""):
        nonlocal n
        n += 1
        beat = now - datetime.timedelta(minutes=rng.randint(1, 20 * 60))
        d = Device(station=station, community=main, person=person, household_id=household_id, kind=kind, serial=f"XTB{n:06d}",
                   gateway=gateway, dc09_account=dc09, battery=rng.randint(35, 100), heartbeat_minutes=24 * 60, silence_hours=24,
                   last_heartbeat_at=beat, last_activity_at=beat, check_at=beat + datetime.timedelta(hours=60),
                   installed_on=installed + datetime.timedelta(days=rng.randint(0, 400)), created_at=now)
        if kind == Device.Kind.INACTIVITY:
            d.silent_at = beat + datetime.timedelta(hours=24 + 24)  # moved recently: not silent before two days
        devices.append(d)
        return d

    for hid, people in by_household.items():
        for p in people:
            device(p, hid, Device.Kind.SOS)
        device(people[0], hid, Device.Kind.SMOKE, dc09=f"{0xA000 + n:X}")
        if hid in alone:
            device(people[0], hid, Device.Kind.INACTIVITY)
            if rng.random() < 0.3:
                device(people[0], hid, Device.Kind.GAS)
    Device.objects.bulk_create(devices, batch_size=500)
    contacts = []
    for d in devices:
        if d.kind != Device.Kind.SOS:
            continue
        for pos in range(1, rng.choice([2, 2, 3]) + 1):
            rel = RELATIONS[rng.randrange(4)] if pos == 1 else rng.choice(RELATIONS)
            contacts.append(Contact(device=d, position=pos, name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                                    relation=rel, phone=_phone(rng)))
    Contact.objects.bulk_create(contacts, batch_size=1000)

    # ---- two months of alarms, answered at the desk; a fifth or so sent a 助救 visit
    alarms, plans = [], []
    for day in range(60, 0, -1):
        for _ in range(rng.choice([1, 2, 2, 3, 3, 4])):
            d = rng.choice(devices)
            received = now - datetime.timedelta(days=day, seconds=rng.randint(0, 86399))
            answer = _answer_seconds(rng)
            outcome = _pick(rng, OUTCOMES)
            if d.kind == Device.Kind.SMOKE:
                outcome = Alarm.Outcome.FALSE_ALARM if rng.random() < 0.8 else Alarm.Outcome.BY_PHONE
            op = rng.choice(operators) if operators else None
            acked = received + datetime.timedelta(seconds=answer)
            closed = acked + datetime.timedelta(minutes=rng.randint(3, 20) if outcome != Alarm.Outcome.VISIT else rng.randint(40, 90))
            alarms.append(Alarm(device=d, station=station, community=main, person_id=d.person_id, kind=DEVICE_KINDS[d.kind],
                                source=Alarm.Source.DC09 if d.dc09_account else Alarm.Source.HTTP, event_id=f"demo-{len(alarms) + 1}",
                                code="sos" if d.kind == Device.Kind.SOS else "", received_at=received, status=Alarm.Status.CLOSED,
                                acknowledged_at=acked, acknowledged_by=op, step=1 if answer < 60 else 2, outcome=outcome,
                                closed_at=closed, closed_by=op))
            plans.append((answer, outcome))
    # one still open: acknowledged a few minutes ago, being called
    d = next(x for x in devices if x.kind == Device.Kind.SOS)
    received = now - datetime.timedelta(minutes=6)
    alarms.append(Alarm(device=d, station=station, community=main, person_id=d.person_id, kind=Alarm.Kind.EMERGENCY, source=Alarm.Source.HTTP,
                        event_id="demo-open-1", code="sos", received_at=received, status=Alarm.Status.ACKNOWLEDGED,
                        acknowledged_at=received + datetime.timedelta(seconds=18), acknowledged_by=operators[0] if operators else None, step=1))
    plans.append((18.0, None))
    Alarm.objects.bulk_create(alarms, batch_size=500)

    logs, orders = [], []
    for a, (answer, outcome) in zip(alarms, plans, strict=True):
        logs.append(AlarmLog(alarm=a, at=a.received_at, kind=AlarmLog.Kind.RECEIVED, note=a.source))
        logs.append(AlarmLog(alarm=a, at=a.received_at, kind=AlarmLog.Kind.ESCALATED, step=1, note="operator: 1 in-app, 0 phone"))
        if a.step == 2:
            logs.append(AlarmLog(alarm=a, at=a.received_at + datetime.timedelta(seconds=60), kind=AlarmLog.Kind.ESCALATED, step=2, note="grid_worker: 1 in-app, 0 phone"))
        logs.append(AlarmLog(alarm=a, at=a.acknowledged_at, kind=AlarmLog.Kind.ACKNOWLEDGED, actor=a.acknowledged_by))
        call_at = a.acknowledged_at + datetime.timedelta(seconds=rng.randint(10, 60))
        call = AlarmLog.CallOutcome.ANSWERED_OK if outcome in (Alarm.Outcome.FALSE_ALARM, Alarm.Outcome.BY_PHONE) else (
            AlarmLog.CallOutcome.ANSWERED_HELP if rng.random() < 0.7 else AlarmLog.CallOutcome.NO_ANSWER)
        logs.append(AlarmLog(alarm=a, at=call_at, kind=AlarmLog.Kind.CALL, actor=a.acknowledged_by, called="person", call_outcome=call,
                             note="误碰按钮" if outcome == Alarm.Outcome.FALSE_ALARM else ""))
        if outcome is None:
            continue
        if outcome == Alarm.Outcome.VISIT:
            arrived = a.received_at + datetime.timedelta(minutes=rng.choice([12, 15, 18, 20, 22, 25, 28, 30, 35, 38, 42, 50]))
            orders.append(CareOrder(station=station, community=main, person_id=a.person_id, kind=CareOrder.Kind.RESCUE,
                                    source=CareOrder.Source.ALARM, alarm=a, note=str(a.get_kind_display()), provider_account=a.acknowledged_by,
                                    window_start=call_at, window_end=call_at + datetime.timedelta(minutes=60), status=CareOrder.Status.DONE,
                                    arrived_at=arrived, departed_at=arrived + datetime.timedelta(minutes=rng.randint(10, 40)),
                                    work_done=WORK[CareOrder.Kind.RESCUE], confirmation="phone", rating=rng.choice([5, 5, 5, 4]),
                                    created_by=a.acknowledged_by, created_at=call_at))
            logs.append(AlarmLog(alarm=a, at=call_at, kind=AlarmLog.Kind.ORDER, actor=a.acknowledged_by))
        logs.append(AlarmLog(alarm=a, at=a.closed_at, kind=AlarmLog.Kind.CLOSED, actor=a.closed_by, note=str(a.get_outcome_display())))
    AlarmLog.objects.bulk_create(logs, batch_size=1000)

    # ---- six months of 六助 home services to 100+ older people (station staff, the contracted company, a volunteer team)
    from linli.volunteers.models import Team

    team = Team.objects.filter(community=main).order_by("pk").first()
    served = rng.sample(older, min(len(older), 130))
    for p in served:
        kind = _pick(rng, HOME_KINDS)
        for _ in range(rng.randint(1, 8)):
            start = (now - datetime.timedelta(days=rng.randint(1, 180))).replace(hour=rng.choice([9, 10, 11, 14, 15]), minute=0, second=0)
            provider = {"provider_org": company} if kind in (CareOrder.Kind.MEALS, CareOrder.Kind.CLEANING) else (
                {"provider_team": team} if team and kind == CareOrder.Kind.MOBILITY else {"provider_account": rng.choice(operators) if operators else None})
            fee, payer = FEES[kind]
            arrived = start + datetime.timedelta(minutes=rng.randint(0, 25))
            orders.append(CareOrder(station=station, community=main, person=p, kind=kind,
                                    source=rng.choice([CareOrder.Source.RESIDENT, CareOrder.Source.STATION_CALL, CareOrder.Source.CARE_VISIT]),
                                    note=WORK[kind], window_start=start, window_end=start + datetime.timedelta(hours=1), status=CareOrder.Status.DONE,
                                    arrived_at=arrived, departed_at=arrived + datetime.timedelta(minutes=rng.randint(20, 60)), work_done=WORK[kind],
                                    confirmation=rng.choice(["phone", "phone", "signature"]), fee=Decimal(fee), payer=payer,
                                    rating=rng.choice([None, 5, 5, 4, 5, 3]), created_at=start - datetime.timedelta(days=1), **provider))
    # and the coming week's visits, still to be made
    for p in served[:12]:
        start = (now + datetime.timedelta(days=rng.randint(0, 6))).replace(hour=10, minute=0, second=0)
        orders.append(CareOrder(station=station, community=main, person=p, kind=CareOrder.Kind.CLEANING, source=CareOrder.Source.RESIDENT,
                                note=WORK[CareOrder.Kind.CLEANING], window_start=start, window_end=start + datetime.timedelta(hours=2),
                                provider_org=company, fee=Decimal("30.00"), payer=CareOrder.Payer.RESIDENT, created_at=now))
    CareOrder.objects.bulk_create(orders, batch_size=500)
    return {"devices": len(devices), "contacts": len(contacts), "alarms": len(alarms), "orders": len(orders),
            "served": len({o.person_id for o in orders if o.status == CareOrder.Status.DONE})}

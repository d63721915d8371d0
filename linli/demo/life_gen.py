"""Demo: a week of 惠民直通车 cycles in 柳航里 (sellers, pickup points, sign-ups, pickups), the rooms of seed 001
(with the council hall and a table-tennis table), and a 百宝屋 of 100+ tools with loans (bulk-created)."""

import datetime
import random
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.life import services
from linli.life.models import Loan, Tool, ToolCopy
from linli.people.models import Organization, Person
from linli.people.scopes import Scope, system
from linli.places.models import Community

SELLERS = [("口泉村蔬菜专业合作社", "时令蔬菜"), ("柳航里平价菜店", "蔬菜、鸡蛋、豆腐"), ("大同黄花种植合作社", "黄花、小米、杂粮")]
GOODS = [("西红柿", "斤", "3.00"), ("黄瓜", "斤", "2.50"), ("土豆", "斤", "1.50"), ("土鸡蛋", "盒", "25.00"), ("小米", "斤", "6.00"),
         ("豆腐", "块", "3.00"), ("黄花菜", "袋", "18.00"), ("青椒", "斤", "4.00"), ("大白菜", "颗", "5.00"), ("胡萝卜", "斤", "2.00")]
ROOMS = [("图书角", "reading", False, None), ("手工区", "craft", False, None), ("科创乐园", "science", False, None),
         ("青创空间", "youth", False, None), ("心理诊疗室", "counselling", True, None), ("减压室", "counselling", True, None),
         ("议事厅", "meeting", False, None), ("乒乓球台", "sports", False, 120)]
TOOLS = {
    "电动工具": ["电钻", "冲击钻", "角磨机", "电锤", "电动螺丝刀", "热风枪", "曲线锯", "电刨", "抛光机", "电动打蜡机", "充电式电钻", "电圆锯"],
    "手动工具": ["羊角锤", "螺丝刀套装", "扳手套装", "老虎钳", "尖嘴钳", "手锯", "卷尺", "水平尺", "美工刀", "六角扳手", "管钳", "钢锯",
             "錾子", "木锉", "钢丝钳", "剥线钳", "橡皮锤", "撬棍"],
    "登高": ["人字梯", "伸缩梯", "折叠梯", "高凳"],
    "园艺": ["修枝剪", "铁锹", "锄头", "耙子", "浇花壶", "高枝剪", "割草机", "喷壶", "手推车", "绿篱剪"],
    "清洁": ["吸尘器", "高压洗车机", "蒸汽清洁机", "拖地机", "玻璃刮", "地毯清洗机", "除螨仪", "疏通器"],
    "家电维修": ["万用表", "电烙铁", "测电笔", "绝缘胶带套装", "热熔胶枪", "焊台"],
    "缝纫": ["缝纫机", "锁边机", "熨斗", "挂烫机", "裁缝剪", "针线盒"],
    "厨房": ["电饼铛", "蒸锅", "榨汁机", "面包机", "烤箱", "大号电饭锅", "和面机", "压面机", "酸奶机", "豆浆机"],
    "户外": ["帐篷", "睡袋", "折叠桌", "折叠椅", "野餐垫", "登山杖", "望远镜", "烧烤架", "冰箱包", "充气泵"],
    "搬家": ["平板推车", "搬运带", "打包机", "大号收纳箱"],
    "儿童": ["儿童自行车", "滑板车", "安全座椅", "婴儿推车", "学步车", "儿童帐篷"],
    "文娱": ["投影仪", "音箱", "麦克风", "幕布", "相机三脚架", "棋盘套装", "乒乓球拍", "羽毛球拍", "跳绳", "象棋", "围棋"],
    "测量": ["激光测距仪", "湿度计", "血压计", "体重秤", "电子秤", "温度计"],
    "应急": ["应急灯", "灭火毯", "急救箱", "雨衣", "防水靴"],
}


def _as(person) -> Scope:
    """A resident acting for themselves, without signing in (the demo builds through the services)."""
    return Scope(account=SimpleNamespace(pk=None, person=person, person_id=person.pk, is_authenticated=True), on=timezone.localdate())


def build(main: Community) -> int:
    rng = random.Random(17)
    s = system()
    now = timezone.now().replace(second=0, microsecond=0)
    compounds = list(main.compounds.all())
    points = [services.add_pickup_point(s, main, name=f"{c.name}东门自提点", hours="8:00–10:00", compound=c) for c in compounds]
    points.append(services.add_pickup_point(s, main, name="社区党群服务中心门口", hours="16:00–18:00"))
    sellers = []
    for name, goods in SELLERS:
        org, _ = Organization.objects.get_or_create(kind=Organization.Kind.CO_BUILDING, name=name, defaults={"community": main})
        seller = services.register_seller(s, main, org, goods)
        sellers.append(services.decide_seller(s, seller, approve=True))
    residents = list(Person.objects.filter(community=main, household__isnull=False, dwelling__isnull=False, status="living_here")
                     .order_by("id")[:400])
    made = 0
    # a week of cycles: five delivered, yesterday's closed for delivery today, today's and tomorrow's open
    for offset in range(-5, 3):
        seller = sellers[(offset + 5) % len(sellers)]
        opened = now + datetime.timedelta(days=offset - 1)
        goods = rng.sample(GOODS, 4)
        items = [{"name": n, "unit": u, "price": p, "stock_cap": "60" if i == 0 else None, "per_household": "5" if i == 0 else None}
                 for i, (n, u, p) in enumerate(goods)]
        cutoff = opened.replace(hour=20, minute=0) if offset < 2 else now + datetime.timedelta(days=offset - 1, hours=20)
        if cutoff <= opened:
            cutoff = opened + datetime.timedelta(hours=6)
        c = services.open_cycle(s, seller, title=f"惠民直通车 · {goods[0][0]}等{len(goods)}样", closes_at=cutoff,
                                delivery_on=(timezone.localtime(cutoff) + datetime.timedelta(days=1)).date(), items=items,
                                pickup_points=points, now=opened)
        item_ids = list(c.items.values_list("pk", flat=True))
        joined_at = opened + datetime.timedelta(minutes=30)
        for person in rng.sample(residents, min(len(residents), rng.randint(12, 20))):
            q = {pk: Decimal(rng.choice(["1", "2", "1.5", "3"])) for pk in rng.sample(item_ids, rng.randint(1, 3))}
            try:
                services.join_cycle(_as(person), c, q, rng.choice(points), now=min(joined_at, cutoff - datetime.timedelta(seconds=1)))
                made += 1
            except ValidationError:  # a household already in, a cap reached: as in life
                continue
        if cutoff <= now:
            services.close_cycle(c, "cutoff", cutoff)
        c.refresh_from_db()
        if c.state == "closed" and c.delivery_on < timezone.localdate():
            for order in c.orders.filter(state="active").order_by("seq"):
                if rng.random() < 0.93:
                    services.mark_collected(s, order, payment=rng.choice(["on_pickup", "on_pickup", "prepaid"]),
                                            now=timezone.make_aware(datetime.datetime.combine(c.delivery_on, datetime.time(9))))
            services.finish_delivery(s, c)
            for order in c.orders.filter(state="collected")[:6]:
                services.rate_seller(_as(order.person), c, rng.choice([4, 5, 5, 5, 3]), rng.choice(["新鲜", "分量足", "送得准时", ""]))
    _rooms(main, rng, residents, now)
    _tools(main, rng, residents, now)
    return made


def _rooms(main, rng, residents, now):
    s = system()
    rooms = {}
    for name, kind, approval, quota in ROOMS:
        opens, closes = (datetime.time(8), datetime.time(21)) if kind in ("meeting", "sports") else (datetime.time(9), datetime.time(19))
        rooms[name] = services.save_room(s, main, name=name, kind=kind, opens=opens, closes=closes, needs_approval=approval,
                                         weekly_quota_minutes=quota, max_minutes=180 if kind == "meeting" else 120,
                                         description="放学后和节假日向青少年开放" if kind in ("reading", "craft", "science", "youth") else "")
    today = timezone.localdate()
    tuesday = today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7)
    first = timezone.make_aware(datetime.datetime.combine(tuesday, datetime.time(19)))
    services.book_recurring(s, rooms["议事厅"], first_starts_at=first, minutes=90, count=8, title="居民议事会", public=True)
    # the community's own booking first: the residents' below that clash with it are refused, as in life
    services.book(s, rooms["科创乐园"], starts_at=timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=3), datetime.time(15))),
                  ends_at=timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=3), datetime.time(17))),
                  title="青少年科普讲座", public=True)
    for day in range(1, 8):
        d = today + datetime.timedelta(days=day)
        for hour in (9, 15):
            person = rng.choice(residents)
            start = timezone.make_aware(datetime.datetime.combine(d, datetime.time(hour)))
            try:
                services.book(_as(person), rooms[rng.choice(["乒乓球台", "图书角", "科创乐园", "心理诊疗室"])], starts_at=start,
                              ends_at=start + datetime.timedelta(hours=1), title=rng.choice(["打乒乓球", "亲子阅读", "科学小实验", "心理咨询"]))
            except ValidationError:  # a clash or a quota: as in life
                continue


def _tools(main, rng, residents, now):
    """The 百宝屋: bulk-created (one insert per table), a month of loans, some out and a few overdue."""
    tools = [Tool(community=main, name=name, category=cat, loan_days=7 if cat != "登高" else 3,
                  instructions=f"{name}：借用前检查完好，按说明使用，用后清洁归还。") for cat, names in TOOLS.items() for name in names]
    Tool.objects.bulk_create(tools)
    tools = list(Tool.objects.filter(community=main).order_by("id"))
    copies = [ToolCopy(tool=t, code=f"BBW-{t.pk:04d}-{i}") for t in tools for i in range(1, (2 if rng.random() < 0.3 else 1) + 1)]
    ToolCopy.objects.bulk_create(copies)
    copies = list(ToolCopy.objects.filter(tool__community=main).select_related("tool").order_by("id"))
    popular = rng.sample(copies, min(70, len(copies)))
    loans, out = [], []
    for i, copy in enumerate(popular):
        person = rng.choice(residents)
        lent = now - datetime.timedelta(days=rng.randint(1, 30))
        due = timezone.localtime(lent).date() + datetime.timedelta(days=copy.tool.loan_days)
        if i % 3 == 0 and len(out) < 25:
            loans.append(Loan(copy=copy, person=person, lent_at=lent, due_on=due, state="out"))
            out.append(copy.pk)
        else:
            loans.append(Loan(copy=copy, person=person, lent_at=lent, due_on=due, state="returned",
                              returned_at=min(now, lent + datetime.timedelta(days=rng.randint(1, 7))), condition_in="good"))
    Loan.objects.bulk_create(loans)
    ToolCopy.objects.filter(pk__in=out).update(state="on_loan")
    return len(loans)

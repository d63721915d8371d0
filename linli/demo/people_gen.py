"""Plausible residents: Chinese names by generation, valid ID numbers and mobile numbers, households.

Everything is drawn from one random.Random passed in, so a fixed seed gives the same people.
"""

import datetime
import random
from dataclasses import dataclass, field

from stdnum.cn import ric

# Surnames roughly by frequency (most common first); weights fall off along the list.
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛"
    "伍韦申尤毕聂焦向柳邢路岳齐梅莫庄辛管祝左涂谷祁时舒耿牟卜詹关苗凌费纪靳盛童欧甄项"
)
SURNAME_WEIGHTS = [1.0 / (1 + i * 0.08) for i in range(len(SURNAMES))]

# Given names by birth decade: people born in the 1930s–60s, 1970s–80s and after 1990 are named differently.
GIVEN = {
    "old": {
        "M": "建国 国庆 建华 志强 振华 德明 玉山 永福 长城 福贵 树林 占山 文革 卫东 红旗 建军 国华 宝山 万山 海生 喜旺 连成 富贵 广义 守仁 宏伟 立新 跃进 胜利 保国".split(),
        "F": "秀兰 桂英 玉兰 淑珍 秀英 凤英 桂兰 秀珍 玉梅 翠花 金凤 素芬 玉珍 淑英 桂芝 美兰 秀云 丽华 凤兰 彩霞 秀芳 玉华 淑兰 春梅 冬梅 红梅 爱华 卫红 建英 月娥".split(),
    },
    "mid": {
        "M": "伟 强 磊 军 勇 涛 斌 刚 鹏 杰 超 明 辉 波 健 亮 宏 峰 浩 宇 志刚 海涛 建平 晓东 立军 永强 振宇 文斌 俊峰 新民".split(),
        "F": "丽 静 敏 燕 艳 娟 霞 红 芳 玲 丽娟 晓燕 海燕 春燕 丽萍 小红 雪梅 晓丽 文静 秀丽 慧 颖 婷 琳 洁 晶 悦 丹 倩 莉".split(),
    },
    "young": {
        "M": "浩然 子轩 宇航 俊杰 浩宇 梓豪 子豪 宇轩 一鸣 博文 天佑 皓轩 明轩 睿 泽宇 思远 嘉懿 煜祺 晨阳 奕辰 子墨 铭 鑫 航 瑞 昊天 亦凡 承泽 锦程 景行".split(),
        "F": "欣怡 诗涵 梓萱 雨桐 可馨 子涵 梓涵 思彤 佳怡 雨萱 语嫣 一诺 若曦 欣妍 紫萱 依诺 梦瑶 心怡 雅琪 安琪 静怡 婉清 可欣 嘉怡 诗琪 钰彤 语桐 书瑶 梓琪 沐晨".split(),
    },
}

# Where registered residents' ID numbers were issued: 平城区 (since 2018) and the old districts it replaced.
LOCAL_REGIONS = [("140202", 0.62), ("140211", 0.2), ("140203", 0.1), ("140213", 0.08)]
# People registered elsewhere: (region code, registered residence).
OTHER_REGIONS = [
    ("140602", "山西省朔州市朔城区"),
    ("140902", "山西省忻州市忻府区"),
    ("140106", "山西省太原市迎泽区"),
    ("140221", "山西省大同市阳高县"),
    ("140222", "山西省大同市天镇县"),
    ("140225", "山西省大同市浑源县"),
    ("130702", "河北省张家口市桥东区"),
    ("150902", "内蒙古自治区乌兰察布市集宁区"),
    ("150102", "内蒙古自治区呼和浩特市新城区"),
    ("110105", "北京市朝阳区"),
]
ETHNICITIES = [("汉族", 0.965), ("回族", 0.015), ("蒙古族", 0.01), ("满族", 0.007), ("土家族", 0.003)]
# Mobile prefixes that phonenumbers accepts as valid mainland numbers.
MOBILE_PREFIXES = ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "184",
                   "185", "186", "187", "188", "189", "198", "199"]


def weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs], k=1)[0]


@dataclass
class Member:
    relation: str
    gender: str
    birth_date: datetime.date
    name: str = ""
    id_number: str = ""
    phone: str = ""
    political_status: str = "masses"
    ethnicity: str = "汉族"
    registered_here: bool = True
    registered_residence: str = ""
    work_unit: str = ""
    tags: dict = field(default_factory=dict)  # tag -> level or None
    since: datetime.date | None = None

    def age(self, on: datetime.date) -> int:
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


@dataclass
class HouseholdPlan:
    kind: str
    members: list
    tenant: bool = False


class PeopleMaker:
    def __init__(self, rng: random.Random, today: datetime.date, home_residence: str):
        self.rng = rng
        self.today = today
        self.home_residence = home_residence
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()

    # ------------------------------------------------------------------ atoms
    def surname(self) -> str:
        return self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS, k=1)[0]

    def given(self, gender: str, birth_year: int) -> str:
        era = "old" if birth_year < 1968 else ("mid" if birth_year < 1992 else "young")
        return self.rng.choice(GIVEN[era][gender])

    def birth(self, age: int) -> datetime.date:
        """A birth date giving `age` on self.today."""
        latest = self.today.replace(year=self.today.year - age) if not (self.today.month == 2 and self.today.day == 29) else self.today.replace(year=self.today.year - age, day=28)
        return latest - datetime.timedelta(days=self.rng.randrange(0, 365))

    def id_number(self, region: str, birth: datetime.date, gender: str) -> str:
        while True:
            seq = self.rng.randrange(0, 100)
            gender_digit = self.rng.choice("13579" if gender == "M" else "02468")
            first17 = f"{region}{birth:%Y%m%d}{seq:02d}{gender_digit}"
            number = first17 + ric.calc_check_digit(first17 + "0")
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(0, 10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    # ------------------------------------------------------------------ people
    def person(self, relation: str, gender: str, age: int, surname: str | None = None, *, local: bool = True) -> Member:
        age = max(0, min(age, 101))
        birth = self.birth(age)
        m = Member(relation=relation, gender=gender, birth_date=birth)
        m.name = (surname or self.surname()) + self.given(gender, birth.year)
        if local:
            region = "140213" if birth.year >= 2018 else weighted(self.rng, LOCAL_REGIONS)
            m.registered_residence = self.home_residence
            m.registered_here = True
        else:
            region, m.registered_residence = self.rng.choice(OTHER_REGIONS)
            m.registered_here = False
        m.id_number = self.id_number(region, birth, gender)
        m.ethnicity = weighted(self.rng, ETHNICITIES)
        if age >= 14 and self.rng.random() < 0.96:
            m.phone = self.phone()
        m.political_status = self.political(age, gender)
        return m

    def political(self, age: int, gender: str) -> str:
        r = self.rng.random()
        if age >= 22:
            share = 0.14 if (age >= 55 and gender == "M") else 0.085
            if r < share:
                return "party_member"
            if r < share + 0.006:
                return "probationary"
            if r < share + 0.009:
                return "democratic_party"
        elif 14 <= age <= 28 and r < 0.4:
            return "league_member"
        return "masses"

    # ------------------------------------------------------------------ households
    KINDS = [
        ("couple_kids", 0.29), ("three_generations", 0.13), ("elderly_couple", 0.2), ("elderly_alone", 0.1),
        ("young_couple", 0.1), ("single", 0.08), ("single_parent", 0.05), ("grandparents_grandchild", 0.05),
    ]

    def household(self, kind: str | None = None) -> HouseholdPlan:
        rng = self.rng
        kind = kind or weighted(rng, self.KINDS)
        tenant = kind in {"single", "young_couple"} and rng.random() < 0.35
        local = not tenant or rng.random() < 0.3
        members: list[Member] = []

        def couple(lo, hi):
            age = rng.randint(lo, hi)
            head_gender = "M" if rng.random() < 0.82 else "F"
            head = self.person("head", head_gender, age, local=local)
            spouse_age = age + rng.randint(-5, 2) if head_gender == "M" else age + rng.randint(-2, 5)
            spouse = self.person("spouse", "F" if head_gender == "M" else "M", max(spouse_age, 20), local=local)
            return head, spouse

        if kind == "couple_kids":
            head, spouse = couple(28, 54)
            members += [head, spouse]
            father_surname = (head if head.gender == "M" else spouse).name[0]
            youngest_parent = min(head.age(self.today), spouse.age(self.today))
            for _ in range(1 if rng.random() < 0.62 else 2):
                age = rng.randint(0, max(0, youngest_parent - 23))
                members.append(self.person("child", rng.choice("MF"), age, father_surname, local=local))
        elif kind == "three_generations":
            head, spouse = couple(34, 56)
            members += [head, spouse]
            surname = (head if head.gender == "M" else spouse).name[0]
            members.append(self.person("child", rng.choice("MF"), rng.randint(2, max(2, head.age(self.today) - 24)), surname))
            parent_age = head.age(self.today) + rng.randint(24, 32)
            if rng.random() < 0.55:
                members.append(self.person("parent", "F", parent_age, None))
            else:
                members.append(self.person("parent", "M", parent_age, head.name[0]))
                members.append(self.person("parent", "F", parent_age - rng.randint(0, 4), None))
        elif kind == "elderly_couple":
            head, spouse = couple(60, 90)
            members += [head, spouse]
            if rng.random() < 0.7:
                for m in members:
                    m.tags["empty_nest"] = None
        elif kind == "elderly_alone":
            members.append(self.person("head", "F" if rng.random() < 0.66 else "M", rng.randint(65, 97)))
            members[0].tags["living_alone"] = None
        elif kind == "young_couple":
            head, spouse = couple(24, 34)
            members += [head, spouse]
            if rng.random() < 0.4:
                members.append(self.person("child", rng.choice("MF"), rng.randint(0, 3), (head if head.gender == "M" else spouse).name[0], local=local))
        elif kind == "single":
            members.append(self.person("head", rng.choice("MF"), rng.randint(21, 58), local=local))
        elif kind == "single_parent":
            head = self.person("head", "F" if rng.random() < 0.8 else "M", rng.randint(30, 52))
            members += [head, self.person("child", rng.choice("MF"), rng.randint(3, 17), head.name[0] if head.gender == "M" else None)]
        elif kind == "grandparents_grandchild":
            head, spouse = couple(58, 74)
            members += [head, spouse, self.person("grandchild", rng.choice("MF"), rng.randint(3, 15), (head if head.gender == "M" else spouse).name[0])]
            if rng.random() < 0.5:
                members[-1].tags["left_behind_child"] = None
        self._tag(kind, members)
        return HouseholdPlan(kind=kind, members=members, tenant=tenant)

    def _tag(self, kind: str, members: list[Member]) -> None:
        rng, today = self.rng, self.today
        head = members[0]
        if rng.random() < 0.03:
            head.tags["low_income"] = None
        if kind == "elderly_alone" and rng.random() < 0.06:
            head.tags["extreme_poverty"] = None
        for m in members:
            age = m.age(today)
            if rng.random() < (0.05 if age >= 60 else 0.018):
                m.tags["disabled"] = rng.choices([1, 2, 3, 4], weights=[0.12, 0.23, 0.3, 0.35])[0]
            if m.gender == "M" and age >= 40 and rng.random() < 0.045:
                m.tags["veteran"] = None
            if age >= 45 and rng.random() < 0.012:
                m.tags["serious_illness"] = None
            if 25 <= age <= 55 and rng.random() < 0.02:
                m.tags["unemployed"] = None
            if (
                ("living_alone" in m.tags and age >= 80)
                or m.tags.get("disabled") in (1, 2)
                or "extreme_poverty" in m.tags
                or "serious_illness" in m.tags
            ):
                m.tags["key_care"] = None
            if 22 <= age < 60 and rng.random() < 0.6:
                m.work_unit = rng.choice(WORK_UNITS)


WORK_UNITS = [
    "大同煤矿集团", "大同市第三人民医院", "平城区教育局", "大同市公交公司", "中国移动大同分公司", "大同银行",
    "永泰街道办事处", "个体经营", "大同华林商贸", "大同市第一中学", "国网大同供电公司", "大同同煤物流",
    "平城区人民法院", "大同日报社", "华润大同医药", "北方机车厂",
]

SHOP_LINES = [
    ("超市", "零售"), ("便利店", "零售"), ("面馆", "餐饮"), ("刀削面", "餐饮"), ("烧麦馆", "餐饮"), ("包子铺", "餐饮"),
    ("水果店", "零售"), ("药店", "医药"), ("五金店", "零售"), ("理发店", "美容美发"), ("干洗店", "生活服务"),
    ("手机维修", "维修"), ("蔬菜店", "零售"), ("粮油店", "零售"), ("烟酒店", "零售"), ("花店", "零售"), ("眼镜店", "零售"),
    ("服装店", "零售"), ("鞋店", "零售"), ("母婴店", "零售"), ("文具店", "零售"), ("快递驿站", "物流"), ("打印店", "生活服务"),
    ("早餐店", "餐饮"), ("羊杂馆", "餐饮"), ("火锅店", "餐饮"), ("茶叶店", "零售"), ("宠物店", "生活服务"), ("洗车行", "汽车服务"),
    ("房产中介", "中介"), ("彩票站", "零售"), ("家政服务", "生活服务"), ("蛋糕店", "餐饮"), ("熟食店", "餐饮"),
]
NINE_SMALL_LINES = {
    "store": ["小卖部", "便民商店", "日杂店"],
    "catering": ["小饭店", "家常菜馆", "饺子馆"],
    "hotel": ["快捷宾馆", "家庭旅馆", "招待所"],
    "entertainment": ["KTV", "棋牌室", "台球厅"],
    "internet_cafe": ["网吧", "网咖", "电竞馆"],
    "beauty_bath": ["洗浴中心", "美容院", "足疗店"],
    "education": ["托管班", "培训学校", "书画班"],
    "clinic": ["诊所", "口腔诊所", "中医诊所"],
    "workshop": ["加工坊", "印刷厂", "修理厂"],
}
SHOP_PREFIXES = [
    "柳航", "永泰", "平城", "鑫源", "惠民", "好邻居", "家家乐", "福满多", "兴旺", "顺心", "老王家", "老李家", "张记", "刘记",
    "阳光", "金盛", "隆盛", "万家", "大同", "云冈", "华严", "御河", "和顺", "百姓", "诚信", "乐购", "春风", "新时代",
]
